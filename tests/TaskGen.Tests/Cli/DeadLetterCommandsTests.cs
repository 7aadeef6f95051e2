using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskGen.Cli;
using TaskGen.Protocol;
using TaskGen.Tests.Hosting;
using TaskGen.Transport;

namespace TaskGen.Tests.Cli;

/// <summary>
/// <c>deadletters list|show|replay</c> on a private <c>memory://</c> broker per test, with messages carrying the
/// <c>x-death</c> header as RabbitMQ writes it (long strings as bytes, a table per death, an AMQP timestamp).
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class DeadLetterCommandsTests
{
    private const string Dead = "taskgen.dead";
    private static readonly DateTimeOffset s_died = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly string _broker = "memory://" + Guid.NewGuid().ToString("N");
    private readonly InMemoryTransport _transport;

    public DeadLetterCommandsTests()
    {
        _transport = new InMemoryTransport(InMemoryBroker.Named(_broker["memory://".Length..]));
    }

    [Fact]
    public async Task ListShowsEachMessageInOrderWithWhereAndWhyItDiedAndLeavesThemThere()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected", retries: 2);
        await DeadLetterAsync("id-2", "tasks.mul", "work", "expired", count: 3);

        (int code, string output, string error) = await RunAsync("deadletters", "list");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "1  id-1  tasks.add  retries=2  queue=work  reason=rejected  count=1  time=2026-03-04T05:06:07Z",
                "2  id-2  tasks.mul  retries=0  queue=work  reason=expired  count=3  time=2026-03-04T05:06:07Z",
                "2 messages in taskgen.dead.",
            ],
            lines);
        Assert.Equal(["id-1", "id-2"], await IdsInAsync(Dead));
    }

    [Fact]
    public async Task ListKeepsToTheLimitAndSaysThereIsMore()
    {
        await DeclareAsync("work");
        for (int i = 1; i <= 3; i++)
        {
            await DeadLetterAsync($"id-{i}", "tasks.add", "work", "rejected");
        }

        (int code, string output, _) = await RunAsync("deadletters", "list", "--limit", "2");

        Assert.Equal(0, code);
        Assert.Contains("2  id-2  ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("id-3", output, StringComparison.Ordinal);
        Assert.Contains("Showed 2 of 3 messages in taskgen.dead; --limit shows more.", output, StringComparison.Ordinal);
        Assert.Equal(["id-1", "id-2", "id-3"], await IdsInAsync(Dead));
    }

    [Fact]
    public async Task ListAsJsonIsOneArrayOfTypedFields()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected", retries: 1);

        (int code, string output, _) = await RunAsync("deadletters", "list", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement first = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(1, first.GetProperty("position").GetInt32());
        Assert.Equal("id-1", first.GetProperty("id").GetString());
        Assert.Equal("tasks.add", first.GetProperty("task").GetString());
        Assert.Equal(1, first.GetProperty("retries").GetInt32());
        Assert.Equal("work", first.GetProperty("queue").GetString());
        Assert.Equal("rejected", first.GetProperty("reason").GetString());
        Assert.Equal(1, first.GetProperty("count").GetInt32());
        Assert.Equal("2026-03-04T05:06:07Z", first.GetProperty("time").GetString());
    }

    [Fact]
    public async Task AnEmptyQueueSaysSo()
    {
        await DeclareAsync("work");

        (int code, string output, _) = await RunAsync("deadletters", "list");

        Assert.Equal(0, code);
        Assert.Equal("No dead letters in taskgen.dead." + Environment.NewLine, output);
    }

    [Fact]
    public async Task AMissingDeadLetterQueueIsReportedNotCreated()
    {
        (int code, string output, string error) = await RunAsync("deadletters", "list", "--queue", "nowhere");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("There is no queue nowhere on memory://", error, StringComparison.Ordinal);
        Assert.Null(_transport.Broker.CountReady("nowhere"));
    }

    [Fact]
    public async Task NoDeadLetterQueueConfiguredAndNoneNamedIsAConfigurationError()
    {
        (int code, _, string error) = await RunAsync("deadletters", "list", "--TaskGen:DeadLetterQueue=");

        Assert.Equal(78, code);
        Assert.Contains("TaskGen:DeadLetterQueue is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowPrintsHeadersPropertiesDeathsAndThePrettyBody()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-0", "tasks.other", "work", "rejected");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected", body: "[[2, 3], {}, null]");

        (int code, string output, string error) = await RunAsync("deadletters", "show", "id-1");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        foreach (string expected in new[]
        {
            "tasks.add[id-1] at position 2 in taskgen.dead",
            "  task: tasks.add",
            "  id: id-1",
            "  retries: 0",
            "  origin: gen1@host",
            "  argsrepr: (2, 3)",
            "  content_type: application/json",
            "  reply_to: replies.1",
            "  correlation_id: id-1",
            "  1. queue=work reason=rejected count=1 time=2026-03-04T05:06:07Z exchange=(default) routing-keys=work",
            "body: 18 bytes, JSON:",
            "  [\n    [\n      2,\n      3\n    ],\n    {},\n    null\n  ]".Replace("\n", Environment.NewLine, StringComparison.Ordinal),
        })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        Assert.Equal(["id-0", "id-1"], await IdsInAsync(Dead));
    }

    [Fact]
    public async Task ShowSummarizesABodyThatIsNotJson()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected", body: "\u0080\u0004K\u0001.");

        (int code, string output, _) = await RunAsync("deadletters", "show", "id-1");

        Assert.Equal(0, code);
        Assert.Contains("body: 6 bytes, not JSON: c28004", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowOfAnIdNotInTheQueueExits1()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");

        (int code, string output, string error) = await RunAsync("deadletters", "show", "id-9");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("No message with task id id-9 in taskgen.dead.", error, StringComparison.Ordinal);
        Assert.Equal(["id-1"], await IdsInAsync(Dead));
    }

    [Fact]
    public async Task ReplaySendsTheMessageBackToTheQueueItDiedInWithoutItsDeathHeaders()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");
        await DeadLetterAsync("id-2", "tasks.add", "work", "rejected", body: "[[5, 6], {}, null]");
        await DeadLetterAsync("id-3", "tasks.add", "work", "rejected");

        (int code, string output, string error) = await RunAsync("deadletters", "replay", "id-2");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Equal("Replayed tasks.add[id-2] to work." + Environment.NewLine, output);
        Assert.Equal(["id-1", "id-3"], await IdsInAsync(Dead));
        TransportMessage replayed = Assert.Single(await TakeAllAsync("work"));
        Assert.Equal("[[5, 6], {}, null]", Encoding.UTF8.GetString(replayed.Body.Span));
        Assert.Equal("id-2", TaskMessageCodec.HeaderString(replayed.Headers, "id"));
        Assert.Equal("(2, 3)", TaskMessageCodec.HeaderString(replayed.Headers, "argsrepr"));
        Assert.Equal("replies.1", replayed.Properties.ReplyTo);
        Assert.Equal("id-2", replayed.Properties.CorrelationId);
        Assert.DoesNotContain(replayed.Headers.Keys, k => k.StartsWith("x-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplayToAnotherQueue()
    {
        await DeclareAsync("work");
        await DeclareAsync("calc");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");

        (int code, string output, _) = await RunAsync("deadletters", "replay", "id-1", "--to", "calc");

        Assert.Equal(0, code);
        Assert.Equal("Replayed tasks.add[id-1] to calc." + Environment.NewLine, output);
        Assert.Single(await TakeAllAsync("calc"));
        Assert.Equal(0, _transport.Broker.CountReady("work"));
        Assert.Equal(0, _transport.Broker.CountReady(Dead));
    }

    [Fact]
    public async Task ReplayOfAnIdNotInTheQueueExits1AndMovesNothing()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");

        (int code, _, string error) = await RunAsync("deadletters", "replay", "id-9");

        Assert.Equal(1, code);
        Assert.Contains("No message with task id id-9 in taskgen.dead.", error, StringComparison.Ordinal);
        Assert.Equal(["id-1"], await IdsInAsync(Dead));
        Assert.Equal(0, _transport.Broker.CountReady("work"));
    }

    [Fact]
    public async Task ReplayToAQueueThatDoesNotExistKeepsTheMessage()
    {
        await DeclareAsync("work");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");

        (int code, _, string error) = await RunAsync("deadletters", "replay", "id-1", "--to", "nowhere");

        Assert.Equal(1, code);
        Assert.Contains("There is no queue nowhere to replay tasks.add[id-1] to; it stays in taskgen.dead.", error, StringComparison.Ordinal);
        Assert.Equal(["id-1"], await IdsInAsync(Dead));
    }

    [Fact]
    public async Task ReplayAllSendsEachBackAndKeepsWhatHasNowhereToGo()
    {
        await DeclareAsync("work");
        await DeclareAsync("calc");
        await DeadLetterAsync("id-1", "tasks.add", "work", "rejected");
        await DeadLetterAsync("id-2", "tasks.add", null, null);
        await DeadLetterAsync("id-3", "tasks.add", "calc", "expired");

        (int code, string output, string error) = await RunAsync("deadletters", "replay", "--all");

        Assert.Equal(1, code);
        Assert.Contains("Replayed tasks.add[id-1] to work.", output, StringComparison.Ordinal);
        Assert.Contains("Replayed tasks.add[id-3] to calc.", output, StringComparison.Ordinal);
        Assert.Contains("Replayed 2 messages from taskgen.dead; 1 left there.", output, StringComparison.Ordinal);
        Assert.Contains("tasks.add[id-2] has no x-death header saying which queue it died in: give --to QUEUE.", error, StringComparison.Ordinal);
        Assert.Equal(["id-2"], await IdsInAsync(Dead));
        Assert.Equal(1, _transport.Broker.CountReady("work"));
        Assert.Equal(1, _transport.Broker.CountReady("calc"));
    }

    [Fact]
    public async Task TheQueueOptionNamesAnotherDeadLetterQueueBeforeOrAfterTheSubcommand()
    {
        await TaskQueueTopology.DeclareDeadLetterQueueAsync(_transport, "other.dead", CancellationToken.None);
        await PublishDeadAsync("other.dead", "id-1", "tasks.add", "work", "rejected");

        Assert.Contains("1  id-1  tasks.add", (await RunAsync("deadletters", "list", "--queue", "other.dead")).Output, StringComparison.Ordinal);
        Assert.Contains("1  id-1  tasks.add", (await RunAsync("deadletters", "-Q", "other.dead", "list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReaderGivesBackWhatItLeavesUnsettledInItsPlace()
    {
        await DeclareAsync("work");
        for (int i = 1; i <= 4; i++)
        {
            await DeadLetterAsync($"id-{i}", "tasks.add", "work", "rejected");
        }

        await using (IQueueReader reader = await _transport.OpenReaderAsync(Dead, CancellationToken.None))
        {
            Delivery first = (await reader.GetAsync(CancellationToken.None))!;
            Delivery second = (await reader.GetAsync(CancellationToken.None))!;
            Delivery third = (await reader.GetAsync(CancellationToken.None))!;
            await second.AckAsync();
            await third.RejectAsync(requeue: true);
            Assert.Equal("id-1", first.Message.Properties.CorrelationId);
        }

        Assert.Equal(["id-1", "id-3", "id-4"], await IdsInAsync(Dead));
        await Assert.ThrowsAsync<BrokerException>(async () => await _transport.OpenReaderAsync("nowhere", CancellationToken.None));
    }

    [Fact]
    public async Task AWorkerDeclaresTheDeadLetterQueueAtStartUnlessItIsEmpty()
    {
        await using (TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = _broker))
        {
            await using TaskGen.Worker.TaskWorker worker = app.CreateWorker(new TaskGen.Worker.WorkerOptions { Queues = ["celery"], NodeName = "dead@unit" });
            await worker.StartAsync();
        }

        Assert.Equal(0, _transport.Broker.CountReady(Dead));
        await _transport.PublishAsync(new TransportMessage(Dead, "any", new MessageProperties(), new Dictionary<string, object?>(), new byte[] { 1 }), CancellationToken.None);
        Assert.Equal(1, _transport.Broker.CountReady(Dead));

        string other = "memory://" + Guid.NewGuid().ToString("N");
        await using (TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = other;
            b.Options.DeadLetterQueue = string.Empty;
        }))
        {
            await using TaskGen.Worker.TaskWorker worker = app.CreateWorker(new TaskGen.Worker.WorkerOptions { Queues = ["celery"], NodeName = "none@unit" });
            await worker.StartAsync();
        }

        Assert.Null(InMemoryBroker.Named(other["memory://".Length..]).CountReady(Dead));
    }

    [Fact]
    public async Task ATransportThatCannotReadQueuesIsAConfigurationError()
    {
        await DeclareAsync("work");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = await TaskAppHost.RunAsync(
            ["deadletters", "list", "--broker", _broker], b => b.Transport = new TaskGen.Tests.Transport.ForwardingTransport(_transport), output, error, CancellationToken.None);

        Assert.Equal(78, code);
        Assert.Contains("cannot read queue 'taskgen.dead' message by message", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync([.. args, "--broker", _broker], null, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private async Task DeclareAsync(string queue)
    {
        await TaskQueueTopology.DeclareDeadLetterQueueAsync(_transport, Dead, CancellationToken.None);
        await TaskQueueTopology.DeclareAsync(_transport, new QueueDeclaration(queue), CancellationToken.None);
    }

    private Task DeadLetterAsync(string id, string task, string? queue, string? reason, int retries = 0, long count = 1, string body = "[[2, 3], {}, null]") =>
        PublishDeadAsync(Dead, id, task, queue, reason, retries, count, body);

    /// <summary>Publishes a message as RabbitMQ dead-letters it: the task's headers, plus <c>x-death</c> when a queue is given.</summary>
    private async Task PublishDeadAsync(string deadQueue, string id, string task, string? queue, string? reason, int retries = 0, long count = 1, string body = "[[2, 3], {}, null]")
    {
        var headers = new Dictionary<string, object?>
        {
            ["task"] = Encoding.UTF8.GetBytes(task),
            ["id"] = Encoding.UTF8.GetBytes(id),
            ["retries"] = retries,
            ["eta"] = null,
            ["origin"] = Encoding.UTF8.GetBytes("gen1@host"),
            ["argsrepr"] = Encoding.UTF8.GetBytes("(2, 3)"),
            ["kwargsrepr"] = Encoding.UTF8.GetBytes("{}"),
        };
        if (queue is not null)
        {
            headers["x-death"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["count"] = count,
                    ["reason"] = Encoding.UTF8.GetBytes(reason!),
                    ["queue"] = Encoding.UTF8.GetBytes(queue),
                    ["time"] = new AmqpTimestamp(s_died.ToUnixTimeSeconds()),
                    ["exchange"] = Array.Empty<byte>(),
                    ["routing-keys"] = new List<object?> { Encoding.UTF8.GetBytes(queue) },
                },
            };
            headers["x-first-death-queue"] = Encoding.UTF8.GetBytes(queue);
            headers["x-first-death-reason"] = Encoding.UTF8.GetBytes(reason!);
            headers["x-first-death-exchange"] = Array.Empty<byte>();
        }

        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id, ReplyTo = "replies.1" };
        await _transport.PublishAsync(new TransportMessage(string.Empty, deadQueue, properties, headers, Encoding.UTF8.GetBytes(body)), CancellationToken.None);
    }

    /// <summary>The task ids in <paramref name="queue"/>, in order, read without removing them.</summary>
    private async Task<string[]> IdsInAsync(string queue)
    {
        var ids = new List<string>();
        await using IQueueReader reader = await _transport.OpenReaderAsync(queue, CancellationToken.None);
        while (await reader.GetAsync(CancellationToken.None) is { } delivery)
        {
            ids.Add(delivery.Message.Properties.CorrelationId ?? "(none)");
        }

        return ids.ToArray();
    }

    private async Task<List<TransportMessage>> TakeAllAsync(string queue)
    {
        var messages = new List<TransportMessage>();
        await using IQueueReader reader = await _transport.OpenReaderAsync(queue, CancellationToken.None);
        while (await reader.GetAsync(CancellationToken.None) is { } delivery)
        {
            messages.Add(delivery.Message);
            await delivery.AckAsync();
        }

        return messages;
    }
}
