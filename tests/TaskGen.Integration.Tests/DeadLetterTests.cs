using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A task a worker rejects is kept in the dead-letter queue (by the node's policy), where the real <c>deadletters</c>
/// command lists and shows it, and replays it to a worker that can run it, whose result reaches the original caller.
/// </summary>
public sealed class DeadLetterTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task ARejectedTaskIsListedShownAndReplayedToAWorkerThatRunsIt()
    {
        await using ResultCollector results = await ResultCollector.StartAsync(App.Transport);

        // The integration worker consumes 'work' but knows none of the sample's tasks, so it rejects both.
        string first = Guid.NewGuid().ToString();
        string second = Guid.NewGuid().ToString();
        await using (ProgramProcess rejecting = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "rejecting@%h"))
        {
            await App.Transport.PublishAsync(RectArea(first, 3, 4, results.Queue), CancellationToken.None);
            await App.Transport.PublishAsync(RectArea(second, 5, 6, results.Queue), CancellationToken.None);
            await Poll.UntilAsync(() => ReadyAsync(RabbitMqFixture.DeadLetters), n => n == 2, "both rejected tasks to be dead-lettered");
        }

        Assert.Equal(0u, await ReadyAsync("work"));

        (int code, string output) = await DeadLettersAsync("list");
        Assert.Equal(0, code);
        string[] lines = output.Split('\n');
        Assert.Matches($"^1  {first}  {Geometry.RectArea.Name}  retries=0  queue=work  reason=rejected  count=1  time=\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", lines[0]);
        Assert.StartsWith($"2  {second}  {Geometry.RectArea.Name}  retries=0  queue=work  reason=rejected  count=1  ", lines[1], StringComparison.Ordinal);
        Assert.Equal("2 messages in taskgen.dead.", lines[2]);
        Assert.Equal(2u, await ReadyAsync(RabbitMqFixture.DeadLetters));

        (code, output) = await DeadLettersAsync("show", second);
        Assert.Equal(0, code);
        foreach (string expected in new[]
        {
            $"{Geometry.RectArea.Name}[{second}] at position 2 in taskgen.dead",
            $"  task: {Geometry.RectArea.Name}",
            "  argsrepr: (5, 6)",
            $"  reply_to: {results.Queue}",
            "  1. queue=work reason=rejected count=1 time=",
            "body: 18 bytes, JSON:",
        })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        // The sample's worker runs RectArea. Only 'calc' has one at first, so a replay that ignored --to would get no result.
        await using ProgramProcess onCalc = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc", "calc@%h", 2);
        (code, output) = await DeadLettersAsync("replay", first, "--to", "calc");
        Assert.Equal(0, code);
        Assert.Contains($"Replayed {Geometry.RectArea.Name}[{first}] to calc.", output, StringComparison.Ordinal);
        Assert.Equal(12, (await results.SuccessAsync(first)).GetDouble());
        Assert.Equal(1u, await ReadyAsync(RabbitMqFixture.DeadLetters));

        // Without --to, back to the queue it died in, where the sample's worker now runs too.
        await using ProgramProcess onWork = await ProgramProcess.StartWorkerAsync(
            CeleryAppProgram, Broker.Url, "work", "work@%h", 2, "--TaskGen:TaskCreateMissingQueues=true");
        (code, output) = await DeadLettersAsync("replay", second);
        Assert.Equal(0, code);
        Assert.Contains($"Replayed {Geometry.RectArea.Name}[{second}] to work.", output, StringComparison.Ordinal);
        Assert.Equal(30, (await results.SuccessAsync(second)).GetDouble());

        Assert.Equal(0u, await ReadyAsync(RabbitMqFixture.DeadLetters));
        (code, output) = await DeadLettersAsync("list");
        Assert.Equal((0, "No dead letters in taskgen.dead."), (code, output));
        (code, output) = await DeadLettersAsync("replay", first);
        Assert.Equal(1, code);
        Assert.Contains($"No message with task id {first} in taskgen.dead.", output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> DeadLettersAsync(params string[] arguments) =>
        ProgramProcess.RunAsync(CeleryAppProgram, ["deadletters", .. arguments, "--broker", Broker.Url]);

    /// <summary>A protocol-2 RectArea call, built by hand so its results come to the test's own queue.</summary>
    private static TransportMessage RectArea(string id, int h, int w, string replyTo)
    {
        var headers = new Dictionary<string, object?>
        {
            ["lang"] = "py",
            ["task"] = Geometry.RectArea.Name,
            ["id"] = id,
            ["root_id"] = id,
            ["retries"] = 0,
            ["argsrepr"] = $"({h}, {w})",
            ["kwargsrepr"] = "{}",
            ["origin"] = "test@host",
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id, ReplyTo = replyTo, DeliveryMode = 2 };
        return new TransportMessage(string.Empty, "work", properties, headers, Encoding.UTF8.GetBytes($"[[{h}, {w}], {{}}, null]"));
    }

    /// <summary>
    /// Every result that reaches a reply queue of the test's own, kept per task id: the rejecting worker answers first
    /// with a failure, and only the replay's success counts.
    /// </summary>
    private sealed class ResultCollector : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonElement>> _results = new(StringComparer.Ordinal);
        private ITransportConsumer? _consumer;

        private ResultCollector(string queue) => Queue = queue;

        public string Queue { get; }

        public static async Task<ResultCollector> StartAsync(ITransport transport)
        {
            var collector = new ResultCollector("test-replies-" + Guid.NewGuid().ToString("N"));
            await transport.DeclareQueueAsync(new QueueSpecification(collector.Queue, Durable: false, Exclusive: true, AutoDelete: true), CancellationToken.None);
            collector._consumer = await transport.ConsumeAsync(collector.Queue, 100, autoAck: true, delivery =>
            {
                using JsonDocument document = JsonDocument.Parse(delivery.Message.Body);
                JsonElement result = document.RootElement.Clone();
                collector._results.GetOrAdd(result.GetProperty("task_id").GetString()!, _ => new()).Enqueue(result);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
            return collector;
        }

        /// <summary>Waits for a SUCCESS result of <paramref name="taskId"/> and returns its value.</summary>
        public async Task<JsonElement> SuccessAsync(string taskId)
        {
            IReadOnlyList<JsonElement> all = await Poll.UntilAsync(
                () => Task.FromResult<IReadOnlyList<JsonElement>>(_results.GetValueOrDefault(taskId)?.ToArray() ?? []),
                found => found.Any(r => r.GetProperty("status").GetString() == "SUCCESS"),
                $"a SUCCESS result of {taskId}");
            return all.First(r => r.GetProperty("status").GetString() == "SUCCESS").GetProperty("result");
        }

        public async ValueTask DisposeAsync()
        {
            if (_consumer is not null)
            {
                await _consumer.DisposeAsync();
            }
        }
    }
}
