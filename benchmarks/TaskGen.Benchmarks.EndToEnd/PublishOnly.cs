using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>Confirmed publishing alone: TaskGen's <c>ApplyAsync</c> against a raw confirming publisher.</summary>
internal static class PublishOnly
{
    public static async Task<Measurement> TaskGenAsync(string brokerUrl, int tasks, int warmup)
    {
        await using TaskApp producer = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.Options.ResultBackend = "none";
        });
        await producer.Transport.PurgeAsync("bench.taskgen", default);

        async Task<long> SendAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            await producer.SendAsync(Remote.BenchTasks.Add.Signature(i, i));
            return Stopwatch.GetTimestamp() - start;
        }

        Measurement measured = await Harness.MeasureAsync("taskgen", "publish-only", tasks, warmup, SendAsync);
        await producer.Transport.PurgeAsync("bench.taskgen", default);
        return measured;
    }

    public static async Task<Measurement> RawAsync(string brokerUrl, int tasks, int warmup)
    {
        var factory = new ConnectionFactory { Uri = new Uri(brokerUrl), ClientProvidedName = "bench raw publisher" };
        await using IConnection connection = await factory.CreateConnectionAsync();
        await using IChannel publish = await connection.CreateChannelAsync(new CreateChannelOptions(true, true, new ThrottlingRateLimiter(4096, null), 1));
        await publish.QueueDeclareAsync("bench.raw", durable: true, exclusive: false, autoDelete: false);
        await publish.QueuePurgeAsync("bench.raw");
        var window = new SemaphoreSlim(4096);

        async Task<long> SendAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            string id = Guid.NewGuid().ToString();
            var properties = new BasicProperties { CorrelationId = id, ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Persistent, Headers = RawRoundTrip.Headers(id) };
            await window.WaitAsync();
            try
            {
                await publish.BasicPublishAsync(string.Empty, "bench.raw", true, properties, RawRoundTrip.Body(i));
            }
            finally
            {
                window.Release();
            }

            return Stopwatch.GetTimestamp() - start;
        }

        Measurement measured = await Harness.MeasureAsync("raw", "publish-only", tasks, warmup, SendAsync);
        await publish.QueuePurgeAsync("bench.raw");
        return measured;
    }
}
