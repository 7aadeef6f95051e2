using System;
using System.Linq;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Tests.State;

public sealed class MonitorStoreTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public void ATaskFollowsItsEventsToSuccessWithItsFieldsAndTimeline()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"task-sent","hostname":"client@a","timestamp":1.0,"uuid":"t1","name":"calc.add","args":"(2, 2)","kwargs":"{}","queue":"calc"}"""));
        store.Ingest(Event("""{"type":"task-received","hostname":"w1@a","timestamp":2.0,"uuid":"t1","name":"calc.add","args":"(2, 2)","kwargs":"{}","retries":0}"""));
        store.Ingest(Event("""{"type":"task-started","hostname":"w1@a","timestamp":3.0,"uuid":"t1"}"""));
        store.Ingest(Event("""{"type":"task-succeeded","hostname":"w1@a","timestamp":4.0,"uuid":"t1","result":"4","runtime":0.5}"""));

        TaskRecord task = store.GetTask("t1")!;
        Assert.Equal(CeleryStates.Success, task.State);
        Assert.Equal(("calc.add", "(2, 2)", "4", 0.5, "w1@a", "client@a", "calc"), (task.Name, task.Args, task.Result, task.Runtime, task.Worker, task.Client, task.Queue));
        Assert.Equal((1.0, 2.0, 3.0, 4.0), (task.Sent, task.Received, task.Started, task.Succeeded));
        Assert.Equal(["task-sent", "task-received", "task-started", "task-succeeded"], task.Timeline.ConvertAll(e => e.Type));
    }

    [Fact]
    public void ALateReceivedEventAddsItsFieldsButDoesNotUndoSuccess()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"task-succeeded","hostname":"w1@a","timestamp":4.0,"uuid":"t1","result":"4"}"""));
        store.Ingest(Event("""{"type":"task-received","hostname":"w1@a","timestamp":2.0,"uuid":"t1","name":"calc.add","args":"(2, 2)","result":"ignored"}"""));

        TaskRecord task = store.GetTask("t1")!;
        Assert.Equal((CeleryStates.Success, "calc.add", "(2, 2)", "4"), (task.State, task.Name, task.Args, task.Result));
    }

    [Fact]
    public void TheOldestTasksGoWhenTheStoreIsFullAndTheBytesFollow()
    {
        MonitorStore store = Store(o => o.MaxTasks = 3);
        for (int i = 0; i < 5; i++)
        {
            store.Ingest(Event($$"""{"type":"task-received","hostname":"w@a","timestamp":{{i + 1}},"uuid":"t{{i}}","name":"n","args":"{{new string('x', 100)}}"}"""));
        }

        Assert.Equal(3, store.TaskCount);
        Assert.Null(store.GetTask("t0"));
        Assert.Null(store.GetTask("t1"));
        Assert.NotNull(store.GetTask("t4"));
        Assert.Equal(2, store.TasksEvicted);
        Assert.InRange(store.TaskBytes, 3 * 200, 3 * 2_000);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type":"task-received","hostname":"w@a"}""")]
    [InlineData("""{"type":42,"hostname":"w@a","uuid":"t"}""")]
    [InlineData("""{"hostname":"w@a","uuid":"t"}""")]
    [InlineData("[1,2,3]")]
    public void AMalformedEventIsCountedAndDropped(string json)
    {
        MonitorStore store = Store();
        store.Ingest(Event(json));

        Assert.Equal(0, store.TaskCount);
        Assert.Equal(0, store.EventsReceived);
        Assert.NotEmpty(store.Dropped);
    }

    [Fact]
    public void InvalidUtf8AndOversizedEventsAreDroppedAndCounted()
    {
        MonitorStore store = Store(o => o.MaxEventBytes = 1_000);
        byte[] invalid = Event("""{"type":"task-received","hostname":"w@a","uuid":"t1","name":"XX"}""");
        invalid[Array.IndexOf(invalid, (byte)'X')] = 0xC3;
        invalid[Array.IndexOf(invalid, (byte)'X')] = 0x28;
        store.Ingest(invalid);
        store.Ingest(Event($$"""{"type":"task-received","hostname":"w@a","uuid":"t2","args":"{{new string('a', 2_000)}}"}"""));

        Assert.Equal(0, store.TaskCount);
        Assert.Equal(1, store.Dropped["invalid-utf8"]);
        Assert.Equal(1, store.Dropped["oversized"]);
    }

    [Fact]
    public void LongTextIsCutAndMarked()
    {
        MonitorStore store = Store(o => o.MaxFieldLength = 50);
        store.Ingest(Event($$"""{"type":"task-failed","hostname":"w@a","uuid":"t1","traceback":"{{new string('t', 500)}}"}"""));

        TaskRecord task = store.GetTask("t1")!;
        Assert.Equal(50, task.Traceback!.Length);
        Assert.EndsWith("…", task.Traceback);
        Assert.Equal(1, store.FieldsTruncated);
    }

    [Fact]
    public void AWorkerIsAliveWithinTwoHeartbeatPeriodsAndGoneAfterOffline()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"worker-online","hostname":"w@a","freq":2.0,"active":0,"processed":0,"sw_ident":"TaskGen"}"""));
        Assert.True(store.GetWorker("w@a")!.IsAlive(store.Now + 3.9));
        Assert.False(store.GetWorker("w@a")!.IsAlive(store.Now + 4.1));

        store.Ingest(Event("""{"type":"worker-offline","hostname":"w@a"}"""));
        Assert.False(store.GetWorker("w@a")!.IsAlive(store.Now));
        Assert.Equal(0, store.Metrics().WorkerOnline["w@a"]);
    }

    [Fact]
    public void ChildrenSeenBeforeTheirParentAreLinkedWhenItComes()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"task-received","hostname":"w@a","uuid":"child","parent_id":"parent","root_id":"parent","group":"g1","group_index":0}"""));
        store.Ingest(Event("""{"type":"task-received","hostname":"w@a","uuid":"parent"}"""));

        Assert.Equal(["child"], store.GetTask("parent")!.Children);
        Assert.Single(store.GetCanvas(null, "g1"));
    }

    [Fact]
    public void FlowersMetricRulesCountEventsRuntimesAndPrefetching()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"task-received","hostname":"w@a","timestamp":10.0,"uuid":"t1","name":"add"}"""));
        Assert.Equal(1, store.Metrics().PrefetchedTasks[("w@a", "add")]);
        store.Ingest(Event("""{"type":"task-started","hostname":"w@a","timestamp":10.25,"uuid":"t1"}"""));
        store.Ingest(Event("""{"type":"task-succeeded","hostname":"w@a","timestamp":11.0,"uuid":"t1","runtime":0.3}"""));

        MonitorMetrics metrics = store.Metrics();
        Assert.Equal(1, metrics.Events[("w@a", "task-received", "add")]);
        Assert.Equal(1, metrics.Events[("w@a", "task-succeeded", "add")]);
        Assert.Equal(0, metrics.PrefetchedTasks[("w@a", "add")]);
        Assert.Equal(0, metrics.PrefetchTime[("w@a", "add")]);
        Assert.Equal(1, metrics.Runtime[("w@a", "add")].Count);
    }

    [Fact]
    public void QueriesFilterSortAndPage()
    {
        MonitorStore store = Store();
        for (int i = 0; i < 10; i++)
        {
            string type = i % 2 == 0 ? "task-succeeded" : "task-failed";
            store.Ingest(Event($$"""{"type":"{{type}}","hostname":"w{{i % 3}}@a","timestamp":{{i + 1}},"uuid":"t{{i}}","name":"n{{i % 2}}","exception":"E{{i}}"}"""));
        }

        TaskPage failed = store.Query(new TaskQuery { States = [CeleryStates.Failure], Limit = 2, Offset = 1 });
        Assert.Equal(5, failed.Total);
        Assert.Equal(["t7", "t5"], failed.Tasks.Select(t => t.Id));
        Assert.Equal(["t4"], store.Query(new TaskQuery { Search = "e4" }).Tasks.Select(t => t.Id));
        Assert.Equal(["t0", "t3", "t6", "t9"], store.Query(new TaskQuery { Worker = "w0@a", SortBy = "received" }).Tasks.Select(t => t.Id).Order());
    }

    [Fact]
    public void AFloodIsSampledButWorkerEventsAlwaysPass()
    {
        MonitorStore store = Store(o => o.MaxEventsPerSecond = 10);
        for (int i = 0; i < 100; i++)
        {
            store.Ingest(Event($$"""{"type":"task-received","hostname":"w@a","uuid":"t{{i}}"}"""), "task.received");
        }

        store.Ingest(Event("""{"type":"worker-heartbeat","hostname":"w@a","freq":2.0}"""), "worker.heartbeat");

        Assert.Equal(10, store.TaskCount);
        Assert.Equal(90, store.Dropped["sampled"]);
        Assert.NotNull(store.SamplingSince);
        Assert.NotNull(store.GetWorker("w@a")!.LastHeartbeat);
    }

    [Fact]
    public void AListOfEventsInOneMessageIsSampledEventByEvent()
    {
        MonitorStore store = Store(o => o.MaxEventsPerSecond = 10);
        string events = string.Join(",", Enumerable.Range(0, 100).Select(i => $$"""{"type":"task-received","hostname":"w@a","uuid":"t{{i}}"}"""));

        // The routing key a publisher chooses does not exempt the events in the body.
        store.Ingest(Event("[" + events + "]"), "worker.heartbeat");

        Assert.Equal(10, store.TaskCount);
        Assert.Equal(90, store.Dropped["sampled"]);
    }

    [Fact]
    public void ChildrenWaitingForUnseenParentsAreCappedOldestParentFirst()
    {
        MonitorStore store = Store(o => o.MaxTasks = 3);
        for (int i = 0; i < 10; i++)
        {
            store.Ingest(Event($$"""{"type":"task-received","hostname":"w@a","uuid":"c{{i}}","parent_id":"p{{i}}"}"""));
        }

        Assert.Equal(3, store.OrphanCount);

        // The newest waiting parent still finds its child; the oldest gave way.
        store.Ingest(Event("""{"type":"task-received","hostname":"w@a","uuid":"p9"}"""));
        store.Ingest(Event("""{"type":"task-received","hostname":"w@a","uuid":"p0"}"""));
        Assert.Equal(["c9"], store.GetTask("p9")!.Children);
        Assert.Empty(store.GetTask("p0")!.Children);
        Assert.Equal(2, store.OrphanCount);
    }

    private MonitorStore Store(Action<MonitorOptions>? configure = null)
    {
        var options = new MonitorOptions();
        configure?.Invoke(options);
        return new MonitorStore(options, _time);
    }

    private static byte[] Event(string json) => Encoding.UTF8.GetBytes(json);
}
