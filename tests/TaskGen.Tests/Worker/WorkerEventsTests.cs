using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using TaskGen.Tests.Diagnostics;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using TaskGen.Events;
using TaskGen.Worker;
using TaskGen.Protocol;

namespace TaskGen.Tests.Worker;

/// <summary>Task events carry Celery's cut texts, and a failing event never reaches the work or floods the log.</summary>
public sealed class WorkerEventsTests
{
    [Fact]
    public async Task TaskEventsCarryArgumentsAndResultsCutAt1024Characters()
    {
        // A producer that does not cut its reprs (or sends none, as kombu's older clients do) must not make the events large.
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true, configure: b =>
        {
            b.Transport = new HookedTransport(Memory(b), message =>
            {
                if (message.Headers.ContainsKey("task"))
                {
                    message.Headers["argsrepr"] = "('" + new string('x', 5000) + "',)";
                    message.Headers.Remove("kwargsrepr");
                }
            });
        });
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer consumer = await MonitorTaskEventsAsync(env.App.Transport, events.Writer);

        string text = new('x', 5000);
        Assert.Equal(text, await env.App.Send(TaskGen.Tests.EndToEnd.Remote.TestTasks.EchoAsync.Signature(text)).GetAsync(MemoryEnvironment.Guard));

        var byType = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (!byType.ContainsKey("task-received") || !byType.ContainsKey("task-succeeded"))
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(MemoryEnvironment.Guard);
            byType[next.GetProperty("type").GetString()!] = next;
        }

        string args = byType["task-received"].GetProperty("args").GetString()!;
        string kwargs = byType["task-received"].GetProperty("kwargs").GetString()!;
        string result = byType["task-succeeded"].GetProperty("result").GetString()!;
        Assert.Equal(EventRepr.MaxLength + EventRepr.Suffix.Length, args.Length);
        Assert.StartsWith("('xxx", args, StringComparison.Ordinal);
        Assert.EndsWith("xxx...", args, StringComparison.Ordinal);
        Assert.Equal("{}", kwargs);
        Assert.Equal(EventRepr.MaxLength + EventRepr.Suffix.Length, result.Length);
        Assert.StartsWith("\"xxx", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskReceivedOfAGroupMemberNamesItsGroupAndPlaceAndThatOfAPlainTaskDoesNot()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer consumer = await MonitorTaskEventsAsync(env.App.Transport, events.Writer);
        var member = new TaskEnvelope { Id = Guid.NewGuid().ToString(), Name = TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Name, Arguments = new TaskGen.Serialization.RawJsonArguments("[1, 2]"), RoutingKey = "celery", Group = "g-events", GroupIndex = 2 };

        await env.App.Router.SendFollowUpAsync(member, "celery");
        AsyncResult<int> plain = env.App.Send(TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(3, 4));

        var received = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (!received.ContainsKey(member.Id) || !received.ContainsKey(plain.Id))
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(MemoryEnvironment.Guard);
            if (next.GetProperty("type").GetString() == "task-received")
            {
                received[next.GetProperty("uuid").GetString()!] = next;
            }
        }

        Assert.Equal("g-events", received[member.Id].GetProperty("group").GetString());
        Assert.Equal(2, received[member.Id].GetProperty("group_index").GetInt32());
        Assert.False(received[plain.Id].TryGetProperty("group", out _));
    }

    [Fact]
    public async Task ARevokedAndAnExpiredTaskEachSendTaskRevokedAsCeleryDoes()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer consumer = await MonitorTaskEventsAsync(env.App.Transport, events.Writer);
        string revokedId = Guid.NewGuid().ToString();
        await new TaskGen.Control.RemoteControlClient(env.App).CallAsync("revoke", w => w.WriteString("task_id", revokedId), MemoryEnvironment.Guard, [env.Worker!.NodeName]);

        Signature<int> add = TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(1, 2);
        _ = env.App.Send(new Signature<int>(add.Task, add.Arguments, new TaskOptions { TaskId = revokedId }));
        AsyncResult<int> expired = env.App.Send(new Signature<int>(add.Task, add.Arguments, new TaskOptions { Expires = DateTimeOffset.UtcNow.AddMinutes(-1) }));

        var revoked = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (!revoked.ContainsKey(revokedId) || !revoked.ContainsKey(expired.Id))
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(MemoryEnvironment.Guard);
            if (next.GetProperty("type").GetString() == "task-revoked")
            {
                revoked[next.GetProperty("uuid").GetString()!] = next;
            }
        }

        Assert.False(revoked[revokedId].GetProperty("terminated").GetBoolean());
        Assert.False(revoked[revokedId].GetProperty("expired").GetBoolean());
        Assert.True(revoked[expired.Id].GetProperty("expired").GetBoolean());
        Assert.Equal(JsonValueKind.Null, revoked[expired.Id].GetProperty("signum").ValueKind);
    }

    [Fact]
    public async Task ARetriedRunSendsTaskRetriedWithItsExceptionAndTheLastRunTaskSucceeded()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer consumer = await MonitorTaskEventsAsync(env.App.Transport, events.Writer);

        AsyncResult<int> result = await env.App.SendAsync(TaskGen.Tests.EndToEnd.Remote.RetryTasks.FailThenSucceed.Signature(Guid.NewGuid().ToString(), 1, 9));
        Assert.Equal(9, await result.GetAsync(MemoryEnvironment.Guard));

        var types = new List<string>();
        JsonElement retried = default;
        while (!types.Contains("task-succeeded") || !types.Contains("task-retried"))
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(MemoryEnvironment.Guard);
            string type = next.GetProperty("type").GetString()!;
            types.Add(type);
            if (type == "task-retried")
            {
                retried = next;
            }
        }

        // The retry is on the broker before task-retried is sent, so the second run may be received before it.
        Assert.Equal(["task-received", "task-received", "task-retried", "task-started", "task-started", "task-succeeded"], types.Order(StringComparer.Ordinal));
        Assert.True(types.IndexOf("task-retried") > types.IndexOf("task-started"), string.Join(", ", types));
        Assert.Equal(result.Id, retried.GetProperty("uuid").GetString());
        Assert.Equal("TimeoutException('attempt 0 timed out')", retried.GetProperty("exception").GetString());
        Assert.Contains("TimeoutException", retried.GetProperty("traceback").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerWhoseEventsAllFailStillRunsItsTasks()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true, configure: b =>
        {
            b.LoggerFactory = log;
            b.Transport = new HookedTransport(Memory(b), RefuseEvents);
        });

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i + 2, await env.App.Send(TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(i, 2)).GetAsync(MemoryEnvironment.Guard));
        }

        Assert.Contains(log.Messages("TaskGen.Events"), m => m.Contains("celeryev refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EventFailuresAreLoggedOncePerIntervalWithTheCountOfThoseNotLogged()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b =>
        {
            b.LoggerFactory = log;
            b.Transport = new HookedTransport(Memory(b), RefuseEvents);
        });
        await using TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["celery"], NodeName = "test@unit" });
        var clock = new ManualClock();
        await using var events = new WorkerEvents(env.App.Transport, worker, taskEvents: true, log.CreateLogger("TaskGen.Events"), clock);

        for (int i = 0; i < 3; i++)
        {
            await events.HeartbeatNowAsync();
        }

        clock.Advance(WorkerEvents.FailureLogInterval);
        await events.HeartbeatNowAsync();

        IReadOnlyList<string> logged = log.Messages("TaskGen.Events");
        Assert.Equal(2, logged.Count);
        Assert.Contains("(0 earlier failure(s) not logged", logged[0], StringComparison.Ordinal);
        Assert.Contains("(2 earlier failure(s) not logged", logged[1], StringComparison.Ordinal);
    }

    /// <summary>Consumes every task event into <paramref name="events"/>, as <c>celery events</c> would see them.</summary>
    private static async Task<ITransportConsumer> MonitorTaskEventsAsync(ITransport transport, ChannelWriter<JsonElement> events)
    {
        string monitor = await transport.DeclareQueueAsync(new QueueSpecification("monitor", Durable: false), CancellationToken.None);
        await transport.BindQueueAsync(monitor, WorkerEvents.Exchange, "task.#", CancellationToken.None);
        return await transport.ConsumeAsync(monitor, 16, autoAck: true, delivery =>
        {
            using JsonDocument document = JsonDocument.Parse(delivery.Message.Body);
            events.TryWrite(document.RootElement.Clone());
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
    }

    private static InMemoryTransport Memory(TaskAppBuilder builder) => new(InMemoryBroker.Named(builder.Options.BrokerUrl["memory://".Length..]));

    private static void RefuseEvents(TransportMessage message)
    {
        if (message.Exchange == WorkerEvents.Exchange)
        {
            throw new IOException("celeryev refused");
        }
    }

    /// <summary>A memory transport that shows each message to a hook before publishing it; the hook may change it or throw.</summary>
    private sealed class HookedTransport(InMemoryTransport inner, Action<TransportMessage> beforePublish) : ForwardingTransport(inner)
    {
        public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            beforePublish(message);
            return Inner.PublishAsync(message, cancellationToken);
        }
    }
}
