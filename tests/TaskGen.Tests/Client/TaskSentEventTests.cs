using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using TaskGen.Events;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;
using Retries = TaskGen.Tests.EndToEnd.Remote.RetryTasks;

namespace TaskGen.Tests.Client;

/// <summary>
/// <see cref="TaskAppOptions.TaskSendSentEvent"/>: each task message an app or its workers publish is followed by Celery's
/// <c>task-sent</c> event with Celery's fields, plus the group and place of a group member; with the option off, none is sent.
/// </summary>
public sealed class TaskSentEventTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task ASentTaskIsFollowedByTaskSentWithCelerysFieldsAndNoGroup()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.Options.TaskSendSentEvent = true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer);

        AsyncResult<int> result = await env.App.SendAsync(Calc.Add.Signature(3, 4, new TaskOptions { Countdown = TimeSpan.FromHours(1), ExpiresIn = TimeSpan.FromHours(2) }));

        JsonElement sent = (await SentAsync(events.Reader, [result.Id]))[result.Id];
        Assert.Equal("task-sent", sent.GetProperty("type").GetString());
        Assert.Equal(env.App.Origin, sent.GetProperty("hostname").GetString());
        Assert.Equal(Environment.ProcessId, sent.GetProperty("pid").GetInt32());
        Assert.True(sent.GetProperty("clock").GetInt64() > 0);
        Assert.True(sent.GetProperty("timestamp").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Number, sent.GetProperty("utcoffset").ValueKind);
        Assert.Equal(result.Id, sent.GetProperty("root_id").GetString());
        Assert.Equal(JsonValueKind.Null, sent.GetProperty("parent_id").ValueKind);
        Assert.Equal(Calc.Add.Name, sent.GetProperty("name").GetString());
        Assert.Equal("[3,4]", sent.GetProperty("args").GetString());
        Assert.Equal("{}", sent.GetProperty("kwargs").GetString());
        Assert.Equal(0, sent.GetProperty("retries").GetInt32());
        DateTimeOffset eta = DateTimeOffset.Parse(sent.GetProperty("eta").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        DateTimeOffset expires = DateTimeOffset.Parse(sent.GetProperty("expires").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - eta, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.Equal("celery", sent.GetProperty("queue").GetString());
        Assert.Equal(string.Empty, sent.GetProperty("exchange").GetString());
        Assert.Equal("celery", sent.GetProperty("routing_key").GetString());

        // Celery's task-sent has no group field; a plain task's event stays exactly Celery's, which a monitor reads as no group.
        Assert.False(sent.TryGetProperty("group", out _));
        Assert.False(sent.TryGetProperty("group_index", out _));
    }

    [Fact]
    public async Task AScheduleTickIsFollowedByTaskSentLikeAnyCall()
    {
        // Ticks leave through the same road as calls, so a monitor sees each as an ordinary task-sent under its derived id.
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b =>
        {
            b.Options.TaskSendSentEvent = true;
            b.AddSchedule(s => s.Add("sent.every-second", Calc.Add.Signature(5, 6), global::TaskGen.Scheduling.Schedule.Every(TimeSpan.FromSeconds(1))));
        });
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, 500, TimeSpan.Zero));
        using var stop = new CancellationTokenSource();
        await using global::TaskGen.Scheduling.Beat beat = env.App.CreateBeat(null, clock);
        Task run = beat.RunAsync(stop.Token);
        await Eventually.WaitFor(() => beat.IsLeader, "the scheduler to lead");

        clock.Advance(TimeSpan.FromSeconds(1));
        string id = global::TaskGen.Scheduling.BeatTicks.TaskId("sent.every-second", new DateTimeOffset(2026, 6, 1, 12, 0, 1, TimeSpan.Zero));
        JsonElement sent = (await SentAsync(events.Reader, [id]))[id];

        Assert.Equal(Calc.Add.Name, sent.GetProperty("name").GetString());
        Assert.Equal("[5,6]", sent.GetProperty("args").GetString());
        Assert.Equal("celery", sent.GetProperty("queue").GetString());
        await stop.CancelAsync();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task EachGroupMembersTaskSentNamesItsGroupAndPlace()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.Options.TaskSendSentEvent = true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer);

        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Enumerable.Range(0, 3).Select(i => Calc.Add.Signature(i, i))));

        Dictionary<string, JsonElement> sent = await SentAsync(events.Reader, group.Results.Select(r => r.Id).ToArray());
        for (int i = 0; i < group.Results.Count; i++)
        {
            JsonElement member = sent[group.Results[i].Id];
            Assert.Equal(group.Id, member.GetProperty("group").GetString());
            Assert.Equal(i, member.GetProperty("group_index").GetInt32());
            Assert.Equal($"[{i},{i}]", member.GetProperty("args").GetString());
        }
    }

    [Fact]
    public async Task AChainStepAWorkerSendsOnHasTaskSentWithItsParentAndRoot()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.Options.TaskSendSentEvent = true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer);

        AsyncResult<int> last = await env.App.SendAsync(Calc.Add.Signature(1, 2).Then(Calc.Add.Partial(10)));
        Assert.Equal(13, await last.GetAsync(Guard));

        // The chain's first message is sent with the second step's id kept in its body; the worker sends that step on.
        var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (!byId.ContainsKey(last.Id) || byId.Count < 2)
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            byId[next.GetProperty("uuid").GetString()!] = next;
        }

        JsonElement step = byId[last.Id];
        string first = byId.Keys.Single(id => id != last.Id);
        Assert.Equal(first, step.GetProperty("parent_id").GetString());
        Assert.Equal(first, step.GetProperty("root_id").GetString());
        Assert.Equal("[3,10]", step.GetProperty("args").GetString()!.Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARetryIsSentAgainWithItsRetryCount()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.Options.TaskSendSentEvent = true);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer);

        AsyncResult<int> result = await env.App.SendAsync(Retries.FailThenSucceed.Signature(Guid.NewGuid().ToString(), 1, 9));
        Assert.Equal(9, await result.GetAsync(Guard));

        var retries = new List<int>();
        while (retries.Count < 2)
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            Assert.Equal(result.Id, next.GetProperty("uuid").GetString());
            retries.Add(next.GetProperty("retries").GetInt32());
        }

        Assert.Equal([0, 1], retries.Order());
    }

    [Fact]
    public async Task WithTheOptionOffNoTaskSentIsSent()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(sendTaskEvents: true);
        Assert.False(env.App.Options.TaskSendSentEvent);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using ITransportConsumer monitor = await MonitorAsync(env.App.Transport, events.Writer, "task.#");

        AsyncResult<int> plain = await env.App.SendAsync(Calc.Add.Signature(1, 1));
        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Calc.Add.Signature(2, 2)));
        Assert.Equal(2, await plain.GetAsync(Guard));
        Assert.Equal([4], await group.GetAsync(Guard));

        // Task events a worker sends long after the sends: a task-sent, published right after its send, would be here before them.
        var types = new List<string>();
        int succeeded = 0;
        while (succeeded < 2)
        {
            JsonElement next = await events.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            string type = next.GetProperty("type").GetString()!;
            types.Add(type);
            succeeded += type == "task-succeeded" ? 1 : 0;
        }

        Assert.DoesNotContain("task-sent", types);
        Assert.Contains("task-received", types);
    }

    [Fact]
    public async Task ABrokerThatRefusesEveryEventFailsNoSendAndIsLogged()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
        {
            b.Options.TaskSendSentEvent = true;
            b.LoggerFactory = log;
            b.Transport = new RefusingEvents(new InMemoryTransport(InMemoryBroker.Named(b.Options.BrokerUrl["memory://".Length..])));
        });

        Assert.Equal(5, await env.App.Send(Calc.Add.Signature(2, 3)).GetAsync(Guard));
        Assert.Equal([2, 4], await (await env.App.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2)))).GetAsync(Guard));

        // The events fail after their sends have returned, so their warning is waited for, within the guard.
        using var guard = new CancellationTokenSource(Guard);
        while (!log.Messages("TaskGen.Events").Any(m => m.Contains("task-sent was not sent: celeryev refused", StringComparison.Ordinal)))
        {
            await Task.Delay(10, guard.Token);
        }
    }

    [Fact]
    public void TheOptionIsOffByDefaultAsInCelery() => Assert.False(new TaskAppOptions().TaskSendSentEvent);

    /// <summary>Consumes the events bound by <paramref name="routingKey"/> into <paramref name="events"/>, as a monitor would.</summary>
    private static async Task<ITransportConsumer> MonitorAsync(ITransport transport, ChannelWriter<JsonElement> events, string routingKey = "task.sent")
    {
        // Declared here as a worker would: the monitor's queue is bound before anything is sent.
        await transport.DeclareExchangeAsync(new ExchangeSpecification(EventMessage.Exchange, ExchangeKind.Topic), CancellationToken.None);
        string queue = await transport.DeclareQueueAsync(new QueueSpecification("monitor", Durable: false), CancellationToken.None);
        await transport.BindQueueAsync(queue, EventMessage.Exchange, routingKey, CancellationToken.None);
        return await transport.ConsumeAsync(queue, 16, autoAck: true, delivery =>
        {
            using JsonDocument document = JsonDocument.Parse(delivery.Message.Body);
            events.TryWrite(document.RootElement.Clone());
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
    }

    /// <summary>A memory transport whose <c>celeryev</c> exchange refuses every publish, as a broker that denies it would.</summary>
    private sealed class RefusingEvents(InMemoryTransport inner) : ForwardingTransport(inner)
    {
        public override ValueTask PublishAsync(TaskGen.Protocol.TransportMessage message, CancellationToken cancellationToken) =>
            message.Exchange == EventMessage.Exchange ? throw new System.IO.IOException("celeryev refused") : Inner.PublishAsync(message, cancellationToken);
    }

    /// <summary>Reads task-sent events until one for each of <paramref name="ids"/> has come, within the guard.</summary>
    private static async Task<Dictionary<string, JsonElement>> SentAsync(ChannelReader<JsonElement> events, string[] ids)
    {
        var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (!ids.All(byId.ContainsKey))
        {
            JsonElement next = await events.ReadAsync().AsTask().WaitAsync(Guard);
            Assert.Equal("task-sent", next.GetProperty("type").GetString());
            byId[next.GetProperty("uuid").GetString()!] = next;
        }

        return byId;
    }
}
