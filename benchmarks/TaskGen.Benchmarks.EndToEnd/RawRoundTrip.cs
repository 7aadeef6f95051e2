using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// The floor: the same exchange written directly on RabbitMQ.Client 7 with no framework — persistent
/// messages published with confirms, consumed with the same prefetch and concurrency, acknowledged after
/// the reply, replies confirmed and received on an exclusive queue. As <c>raw-batched</c>, the same worker acknowledges
/// with <c>multiple</c> once eight more deliveries in a row are answered, which prices per-message acks. As
/// <c>raw-direct-reply</c>, replies go by RabbitMQ's direct reply-to (<c>amq.rabbitmq.reply-to</c>) instead of a reply
/// queue, which prices the reply queue.
/// </summary>
internal static class RawRoundTrip
{
    private const string Queue = "bench.raw";

    /// <summary>Measures round trips; <paramref name="inFlight"/> overrides the harness's calls in flight for the latency workloads.</summary>
    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup, string workload = "round-trip", int? inFlight = null, bool batchedAcks = false, bool directReply = false)
    {
        var factory = new ConnectionFactory { Uri = new Uri(brokerUrl), ClientProvidedName = "bench raw" };
        await using IConnection workerConnection = await factory.CreateConnectionAsync();
        await using IConnection producerConnection = await factory.CreateConnectionAsync();

        // Worker side: a consuming channel and a confirming channel for replies.
        await using IChannel consume = await workerConnection.CreateChannelAsync(new CreateChannelOptions(false, false, null, consumerDispatchConcurrency: (ushort)concurrency));
        // Replies unconfirmed, as TaskGen's and Celery's workers send results; one publisher at a time per channel.
        await using IChannel replies = await workerConnection.CreateChannelAsync(new CreateChannelOptions(false, false, null, 1));
        var replyGate = new SemaphoreSlim(1, 1);
        var acks = new ContiguousAcks(consume);
        await consume.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
        await consume.QueuePurgeAsync(Queue);
        await consume.BasicQosAsync(0, (ushort)(concurrency * 4), false);
        var worker = new AsyncEventingBasicConsumer(consume);
        worker.ReceivedAsync += async (_, delivery) =>
        {
            var reader = new Utf8JsonReader(delivery.Body.Span);
            reader.Read();
            reader.Read();
            reader.Read();
            int a = reader.GetInt32();
            reader.Read();
            int b = reader.GetInt32();
            byte[] reply = Encode(a + b);
            var properties = new BasicProperties { CorrelationId = delivery.BasicProperties.CorrelationId, ContentType = "application/json", DeliveryMode = DeliveryModes.Transient };
            await replyGate.WaitAsync();
            try
            {
                await replies.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, true, properties, reply);
            }
            finally
            {
                replyGate.Release();
            }

            if (batchedAcks)
            {
                await acks.AnsweredAsync(delivery.DeliveryTag);
            }
            else
            {
                await consume.BasicAckAsync(delivery.DeliveryTag, false);
            }
        };
        await consume.BasicConsumeAsync(Queue, false, worker);

        // Producer side: a confirming channel and an exclusive reply queue.
        await using IChannel publish = await producerConnection.CreateChannelAsync(new CreateChannelOptions(true, true, new ThrottlingRateLimiter(4096, null), 1));
        await using IChannel receive = await producerConnection.CreateChannelAsync();
        QueueDeclareOk replyQueue = await receive.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);

        // Direct reply-to answers only the channel that published the request and consumes the pseudo-queue without acks.
        string replyTo = directReply ? "amq.rabbitmq.reply-to" : replyQueue.QueueName;
        var pending = new ConcurrentDictionary<string, TaskCompletionSource<int>>();
        Task OnReply(object sender, BasicDeliverEventArgs delivery)
        {
            if (pending.TryRemove(delivery.BasicProperties.CorrelationId!, out TaskCompletionSource<int>? waiting))
            {
                var reader = new Utf8JsonReader(delivery.Body.Span);
                reader.Read();
                reader.Read();
                reader.Read();
                waiting.TrySetResult(reader.GetInt32());
            }

            return Task.CompletedTask;
        }

        var receiver = new AsyncEventingBasicConsumer(directReply ? publish : receive);
        receiver.ReceivedAsync += OnReply;
        await (directReply ? publish : receive).BasicConsumeAsync(directReply ? replyTo : replyQueue.QueueName, true, receiver);

        var window = new SemaphoreSlim(4096);
        async Task<long> CallAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            string id = Guid.NewGuid().ToString();
            var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[id] = done;
            var properties = new BasicProperties
            {
                CorrelationId = id,
                ReplyTo = replyTo,
                ContentType = "application/json",
                ContentEncoding = "utf-8",
                DeliveryMode = DeliveryModes.Persistent,
                Headers = Headers(id),
            };
            await window.WaitAsync();
            try
            {
                await publish.BasicPublishAsync(string.Empty, Queue, true, properties, Body(i));
            }
            finally
            {
                window.Release();
            }

            int sum = await done.Task;
            if (sum != 2 * i)
            {
                throw new InvalidOperationException($"Raw: expected {2 * i}, got {sum}.");
            }

            return Stopwatch.GetTimestamp() - start;
        }

        return await Harness.MeasureAsync(directReply ? "raw-direct-reply" : batchedAcks ? "raw-batched" : "raw", workload, tasks, warmup, CallAsync, inFlight);
    }

    /// <summary>The same body TaskGen sends: <c>[[i, i], {}, null]</c>.</summary>
    internal static byte[] Body(int i) => System.Text.Encoding.UTF8.GetBytes($"[[{i}, {i}], {{}}, null]");

    /// <summary>Headers of the same size and kinds as a Celery protocol v2 message.</summary>
    internal static Dictionary<string, object?> Headers(string id) => new()
    {
        ["lang"] = "dotnet", ["task"] = "bench.add", ["id"] = id, ["shadow"] = null, ["eta"] = null, ["expires"] = null,
        ["group"] = null, ["group_index"] = null, ["retries"] = 0, ["timelimit"] = new List<object?> { null, null },
        ["root_id"] = id, ["parent_id"] = null, ["argsrepr"] = "[1,1]", ["kwargsrepr"] = "{}", ["origin"] = "bench", ["ignore_result"] = false,
    };

    private static byte[] Encode(int value)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("result", value);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Acknowledges, eight at a time with <c>multiple</c>, the deliveries answered in an unbroken run of tags from the first.</summary>
    private sealed class ContiguousAcks(IChannel channel)
    {
        private const int Batch = 8;
        private readonly SortedSet<ulong> _answered = [];
        private readonly SemaphoreSlim _sending = new(1, 1);
        private ulong _next = 1;
        private ulong _acked;

        public async Task AnsweredAsync(ulong tag)
        {
            // Under one gate, so that a later multiple ack never reaches the broker before an earlier one.
            await _sending.WaitAsync();
            try
            {
                _answered.Add(tag);
                while (_answered.Remove(_next))
                {
                    _next++;
                }

                if (_next - 1 - _acked >= Batch)
                {
                    _acked = _next - 1;
                    await channel.BasicAckAsync(_acked, multiple: true);
                }
            }
            finally
            {
                _sending.Release();
            }
        }
    }
}
