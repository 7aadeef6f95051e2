using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskGen.Monitor.State;
using TaskGen.Results;

namespace TaskGen.Monitor.Tests.State;

/// <summary>
/// A monitor that starts after tasks finished, or restarts, shows them from the result backend: with their state,
/// result or exception, worker and finish time; newest first and no more than the store holds.
/// </summary>
public sealed class BackendHistoryTests
{
    private static readonly DateTimeOffset s_done = DateTimeOffset.FromUnixTimeSeconds(1_800_000_100);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public async Task AFinishedTaskIsThereAfterARestartWithItsStateAndResult()
    {
        // Before the restart: the monitor saw the task through its events; the worker stored its result.
        MonitorStore before = Store();
        before.Ingest(Event("""{"type":"task-received","hostname":"w1@a","timestamp":1800000099.0,"uuid":"t1","name":"calc.add","args":"(2, 2)","kwargs":"{}"}"""));
        before.Ingest(Event("""{"type":"task-succeeded","hostname":"w1@a","timestamp":1800000100.0,"uuid":"t1","result":"4","runtime":0.5}"""));
        Assert.Equal(CeleryStates.Success, before.GetTask("t1")!.State);
        var backend = new FakeHistory(new StoredResult("t1", "SUCCESS", "4", null, s_done) { Name = "calc.add", Args = "[2, 2]", Kwargs = "{}", Worker = "w1@a", Queue = "calc", Retries = 0 });

        // The restart: a new store, empty, and the loader.
        MonitorStore after = Store();
        Assert.Null(after.GetTask("t1"));
        await using TaskApp app = MemoryApp();
        Assert.Equal(1, await new BackendHistory(app, after, NullLogger<BackendHistory>.Instance).LoadAsync(backend, CancellationToken.None));

        TaskRecord task = after.GetTask("t1")!;
        Assert.Equal((CeleryStates.Success, "4", "calc.add", "w1@a", "calc"), (task.State, task.Result, task.Name, task.Worker, task.Queue));
        Assert.Equal(("[2, 2]", "{}", 0), (task.Args, task.Kwargs, task.Retries));
        Assert.Equal(1_800_000_100.0, task.Succeeded);
        Assert.Equal(1_800_000_100.0, task.Timestamp);
        Assert.Equal("backend", task.Source);
        Assert.Equal(1, after.Query(new TaskQuery { States = [CeleryStates.Success] }).Total);
    }

    [Fact]
    public async Task AFailureShowsItsExceptionAsCelerysReprAndItsTraceback()
    {
        MonitorStore store = Store();
        var backend = new FakeHistory(
            new StoredResult("f1", "FAILURE", """{"exc_type": "ValueError", "exc_message": ["boom 'quoted'"], "exc_module": "builtins"}""", "Traceback (most recent call last):\nValueError: boom", s_done),
            new StoredResult("r1", "REVOKED", """{"exc_type": "TaskRevokedError", "exc_message": ["terminated"], "exc_module": "celery.exceptions"}""", null, s_done.AddSeconds(-1)));
        await using TaskApp app = MemoryApp();
        await new BackendHistory(app, store, NullLogger<BackendHistory>.Instance).LoadAsync(backend, CancellationToken.None);

        TaskRecord failed = store.GetTask("f1")!;
        Assert.Equal((CeleryStates.Failure, @"ValueError('boom \'quoted\'')", 1_800_000_100.0), (failed.State, failed.Exception, failed.Failed));
        Assert.StartsWith("Traceback", failed.Traceback, StringComparison.Ordinal);
        Assert.Null(failed.Result);
        TaskRecord revoked = store.GetTask("r1")!;
        Assert.Equal((CeleryStates.Revoked, "TaskRevokedError('terminated')"), (revoked.State, revoked.Exception));
    }

    [Fact]
    public async Task WhatEventsDescribeStaysAndUnfinishedStatesAreNotLoaded()
    {
        MonitorStore store = Store();
        store.Ingest(Event("""{"type":"task-failed","hostname":"w1@a","timestamp":1800000100.0,"uuid":"t1","exception":"KeyError('k')"}"""));
        var backend = new FakeHistory(
            new StoredResult("t1", "SUCCESS", "4", null, s_done),
            new StoredResult("s1", "STARTED", null, null, s_done),
            new StoredResult("p1", "RETRY", null, null, s_done));
        await using TaskApp app = MemoryApp();

        Assert.Equal(0, await new BackendHistory(app, store, NullLogger<BackendHistory>.Instance).LoadAsync(backend, CancellationToken.None));
        Assert.Equal((CeleryStates.Failure, "KeyError('k')"), (store.GetTask("t1")!.State, store.GetTask("t1")!.Exception));
        Assert.Null(store.GetTask("s1"));
        Assert.Null(store.GetTask("p1"));
    }

    [Fact]
    public async Task AtMostMaxTasksAreAskedForAndTheNewestAreKept()
    {
        MonitorStore store = Store(o => o.MaxTasks = 2);
        var backend = new FakeHistory(Enumerable.Range(0, 5).Select(i => new StoredResult($"t{i}", "SUCCESS", $"{i}", null, s_done.AddSeconds(-i))).ToArray());
        await using TaskApp app = MemoryApp();

        Assert.Equal(2, await new BackendHistory(app, store, NullLogger<BackendHistory>.Instance).LoadAsync(backend, CancellationToken.None));
        Assert.Equal(2, backend.AskedFor);
        Assert.NotNull(store.GetTask("t0"));
        Assert.NotNull(store.GetTask("t1"));
        Assert.Null(store.GetTask("t2"));
    }

    [Fact]
    public async Task FieldsAreAskedForNoLongerThanTheMonitorKeepsThem()
    {
        MonitorStore store = Store(o => o.MaxFieldLength = 100);
        var backend = new FakeHistory(new StoredResult("t1", "SUCCESS", "4", null, s_done));
        await using TaskApp app = MemoryApp();

        await new BackendHistory(app, store, NullLogger<BackendHistory>.Instance).LoadAsync(backend, CancellationToken.None);
        Assert.Equal(100, backend.AskedFieldLength);
    }

    [Fact]
    public async Task TheHostedLoaderDoesNothingForABackendWithoutHistory()
    {
        // memory:// with rpc:// results keeps nothing by id: the loader starts and adds nothing.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddSingleton(MemoryApp());
        services.AddTaskGenMonitor();
        await using ServiceProvider provider = services.BuildServiceProvider();

        BackendHistory loader = Assert.Single(provider.GetServices<IHostedService>().OfType<BackendHistory>());
        Assert.Null(provider.GetRequiredService<TaskApp>().ResultHistory);
        await loader.StartAsync(CancellationToken.None);
        await loader.Loading;
        await loader.StopAsync(CancellationToken.None);
        Assert.Equal(0, provider.GetRequiredService<MonitorStore>().TaskCount);
    }

    private MonitorStore Store(Action<MonitorOptions>? configure = null)
    {
        var options = new MonitorOptions();
        configure?.Invoke(options);
        return new MonitorStore(options, _time);
    }

    private static TaskApp MemoryApp() => TaskApp.Create(b => b.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N"));

    private static byte[] Event(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>A backend's history as a list, newest first, as the Redis one yields it.</summary>
    private sealed class FakeHistory(params StoredResult[] results) : IResultHistory
    {
        public int AskedFor { get; private set; }

        public int AskedFieldLength { get; private set; }

        public async IAsyncEnumerable<StoredResult> ReadRecentAsync(int max, int maxFieldLength, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            AskedFor = max;
            AskedFieldLength = maxFieldLength;
            foreach (StoredResult result in results.OrderByDescending(r => r.DateDone).Take(max))
            {
                await Task.Yield();
                yield return result;
            }
        }
    }
}
