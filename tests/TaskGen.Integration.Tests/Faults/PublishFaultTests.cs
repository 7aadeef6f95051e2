using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Integration.Tests;

/// <summary>A publish that the broker refuses costs nothing but itself: no other result, no chain step.</summary>
public sealed class PublishFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task AFloodOfControlRequestsToAMissingReplyExchangeCostsNoResult()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "flooded@%h", concurrency: 4);
        var results = new List<AsyncResult<int>>(600);
        for (int i = 0; i < 600; i++)
        {
            results.Add(App.Send(Jobs.Add.Signature(i, 1)));
            if (i % 2 == 0)
            {
                // Anyone on the broker may send this: each reply to it closes the channel it goes out on.
                await App.Transport.PublishAsync(PingWithMissingReplyExchange(), CancellationToken.None);
            }
        }

        int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
        Assert.Equal(Enumerable.Range(1, 600), values);
        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(Guard));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnOversizedResultFailsItsCallerAndADeletedEventExchangeCostsNoOtherResult(bool confirmResults)
    {
        // Channels read the limit when they open: the worker and this app open theirs after it is lowered.
        await Broker.CtlAsync("eval", "application:set_env(rabbit, max_message_size, 1048576).");
        try
        {
            // Unconfirmed, the worker must refuse the result itself (its limit set at or below the broker's); confirmed,
            // the broker's refusal comes back before the ack and only the publishes it interrupted are sent again.
            var environment = new Dictionary<string, string>
            {
                ["TaskGen__WorkerConfirmResults"] = confirmResults ? "true" : "false",
                ["TaskGen__WorkerMaxResultSize"] = confirmResults ? "16777216" : "1000000",
            };
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "oversized@%h", 4, environment, "-E");
            var results = new List<AsyncResult<int>>(400);
            AsyncResult<string>? big = null;
            for (int i = 0; i < 400; i++)
            {
                results.Add(App.Send(Jobs.Add.Signature(i, 1)));
                if (i == 100)
                {
                    big = App.Send(Jobs.Big.Signature(2_000_000));
                }

                if (i == 200)
                {
                    await DeleteExchangeAsync("celeryev");
                }
            }

            int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
            Assert.Equal(Enumerable.Range(1, 400), values);
            TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => big!.GetAsync(Guard));
            Assert.Equal("ResultNotSent", failure.RemoteType);
        }
        finally
        {
            await Broker.CtlAsync("eval", "application:set_env(rabbit, max_message_size, 134217728).");
        }
    }

    [Fact]
    public async Task ALinkOnATaskReturningNaNIsStillSent()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "nan@%h");
        await using ReplyListener replies = await ReplyListener.StartAsync(App.Transport);
        string next = Guid.NewGuid().ToString();
        string embed = $$"""{"callbacks": [{"task": "{{Jobs.Echo.Name}}", "args": [], "kwargs": {}, "options": {"task_id": "{{next}}", "reply_to": "{{replies.Queue}}"}, "subtask_type": null, "immutable": false}], "errbacks": null, "chain": null, "chord": null}""";
        await App.Transport.PublishAsync(RawTask(Jobs.NotANumber.Name, "[]", embed), CancellationToken.None);

        JsonElement result = await replies.WaitAsync(next, TimeSpan.FromSeconds(20));
        Assert.Equal("SUCCESS", result.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AChainStepThatCannotBeSentFailsTheChainsEndInsteadOfVanishing()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "chain@%h");
        await using ReplyListener replies = await ReplyListener.StartAsync(App.Transport);
        string step = Guid.NewGuid().ToString();
        string end = Guid.NewGuid().ToString();

        // The next step goes to a queue nobody declared, so the broker returns it; the step after it is the chain's end.
        string embed = $$"""{"callbacks": null, "errbacks": null, "chord": null, "chain": [{"task": "{{Jobs.Echo.Name}}", "args": [], "kwargs": {}, "options": {"task_id": "{{end}}", "reply_to": "{{replies.Queue}}"}, "subtask_type": null, "immutable": false}, {"task": "{{Jobs.Echo.Name}}", "args": [], "kwargs": {}, "options": {"task_id": "{{step}}", "reply_to": "{{replies.Queue}}", "queue": "nowhere-{{step}}"}, "subtask_type": null, "immutable": false}]}""";
        await App.Transport.PublishAsync(RawTask(Jobs.Add.Name, "[1, 2]", embed), CancellationToken.None);

        foreach (string id in new[] { step, end })
        {
            JsonElement result = await replies.WaitAsync(id, TimeSpan.FromSeconds(20));
            Assert.Equal("FAILURE", result.GetProperty("status").GetString());
            Assert.Equal("FollowUpNotSent", result.GetProperty("result").GetProperty("exc_type").GetString());
        }
    }

    private async Task DeleteExchangeAsync(string exchange)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(Broker.Url) };
        await using RabbitMQ.Client.IConnection connection = await factory.CreateConnectionAsync();
        await using RabbitMQ.Client.IChannel channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeleteAsync(exchange);
    }

    private static TransportMessage RawTask(string name, string args, string embed)
    {
        string id = Guid.NewGuid().ToString();
        var headers = new Dictionary<string, object?> { ["id"] = id, ["task"] = name, ["lang"] = "py", ["root_id"] = id };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id, DeliveryMode = 2 };
        return new TransportMessage(string.Empty, "work", properties, headers, System.Text.Encoding.UTF8.GetBytes($"[{args}, {{}}, {embed}]"));
    }

    private static TransportMessage PingWithMissingReplyExchange()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("method", "ping");
            writer.WriteStartObject("arguments");
            writer.WriteEndObject();
            writer.WriteNull("destination");
            writer.WriteNull("pattern");
            writer.WriteNull("matcher");
            writer.WriteString("ticket", Guid.NewGuid().ToString());
            writer.WriteStartObject("reply_to");
            writer.WriteString("exchange", "no-such-exchange-" + Guid.NewGuid().ToString("N"));
            writer.WriteString("routing_key", "nobody");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 };
        return new TransportMessage("celery.pidbox", string.Empty, properties, new Dictionary<string, object?> { ["clock"] = 1 }, buffer.WrittenMemory.ToArray()) { Mandatory = false, Confirm = false };
    }
}
