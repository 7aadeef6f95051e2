using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Scheduling;
using TaskGen.Tests.EndToEnd;
using TaskGen.Worker;
using Stubs = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Worker;

/// <summary>
/// A worker whose result backend can claim ticks runs each tick once: a second message of the same tick is
/// acknowledged and logged, not run; a message without the tick header, or a backend that cannot claim, runs as ever.
/// </summary>
public sealed class TickClaimTests
{
    private static readonly DateTimeOffset Tick = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ASecondMessageOfTheSameTickIsAcknowledgedWithoutRunning()
    {
        var claims = new ClaimingBackend();
        var log = new CapturedLog();
        string key = Guid.NewGuid().ToString("N");
        string id = BeatTicks.TaskId("reports.daily", Tick);
        await using MemoryEnvironment environment = await StartAsync(claims, log);

        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, TickOptions(id, "reports.daily")));
        await Eventually.WaitFor(() => EndToEnd.TickTasks.Runs.GetValueOrDefault(key) == 1, "the first message of the tick to run");
        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, TickOptions(id, "reports.daily")));
        await Eventually.WaitFor(() => log.Messages("TaskGen.Worker").Any(m => m.Contains("duplicate tick refused", StringComparison.Ordinal)), "the second message to be refused");

        Assert.Equal(1, EndToEnd.TickTasks.Runs[key]);
        Assert.Equal(2, claims.Attempts);
        Assert.Equal(0, environment.Broker.CountReady("celery"));
        Assert.Empty(environment.Broker.DeadLetters);
        string refused = Assert.Single(log.Messages("TaskGen.Worker"), m => m.Contains("duplicate tick refused", StringComparison.Ordinal));
        Assert.Contains(id, refused, StringComparison.Ordinal);
        Assert.Contains("reports.daily", refused, StringComparison.Ordinal);
        Assert.Equal(BeatTicks.HeaderValue("reports.daily", Tick), claims.Claimed[id]);
    }

    [Fact]
    public async Task ARetryOfATickRunsAgainThoughItsIdIsClaimed()
    {
        // A retry goes out under the tick's id and headers; it is the same run again, not a second send of the tick.
        var claims = new ClaimingBackend();
        string key = Guid.NewGuid().ToString("N");
        string id = BeatTicks.TaskId("reports.retrying", Tick);
        await using MemoryEnvironment environment = await StartAsync(claims, new CapturedLog());

        await environment.App.SendAsync(Stubs.TickTasks.CountThenRetryOnce.Signature(key, TickOptions(id, "reports.retrying")));
        await Eventually.WaitFor(() => EndToEnd.TickTasks.Runs.GetValueOrDefault(key) == 2, "the tick and its retry to run");

        Assert.Equal(1, claims.Attempts);
    }

    [Fact]
    public async Task MessagesWithoutTheTickHeaderAreNeverClaimed()
    {
        var claims = new ClaimingBackend();
        string key = Guid.NewGuid().ToString("N");
        string id = Guid.NewGuid().ToString();
        await using MemoryEnvironment environment = await StartAsync(claims, new CapturedLog());

        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, new TaskOptions { TaskId = id }));
        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, new TaskOptions { TaskId = id }));
        await Eventually.WaitFor(() => EndToEnd.TickTasks.Runs.GetValueOrDefault(key) == 2, "both messages to run");

        Assert.Equal(0, claims.Attempts);
    }

    [Fact]
    public async Task AWorkerWithoutAClaimingBackendRunsEveryTick()
    {
        string key = Guid.NewGuid().ToString("N");
        string id = BeatTicks.TaskId("reports.hourly", Tick);
        await using MemoryEnvironment environment = await MemoryEnvironment.StartAsync();

        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, TickOptions(id, "reports.hourly")));
        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, TickOptions(id, "reports.hourly")));
        await Eventually.WaitFor(() => EndToEnd.TickTasks.Runs.GetValueOrDefault(key) == 2, "both messages to run");
    }

    [Fact]
    public async Task AClaimThatCannotBeMadeLetsTheTickRunAndSaysSo()
    {
        var claims = new ClaimingBackend { Fail = true };
        var log = new CapturedLog();
        string key = Guid.NewGuid().ToString("N");
        string id = BeatTicks.TaskId("reports.weekly", Tick);
        await using MemoryEnvironment environment = await StartAsync(claims, log);

        await environment.App.SendAsync(Stubs.TickTasks.CountRun.Signature(key, TickOptions(id, "reports.weekly")));
        await Eventually.WaitFor(() => EndToEnd.TickTasks.Runs.GetValueOrDefault(key) == 1, "the tick to run");

        Assert.Contains(log.Messages("TaskGen.Worker"), m => m.Contains("could not be claimed", StringComparison.Ordinal));
    }

    private static TaskOptions TickOptions(string id, string entry) => new()
    {
        TaskId = id,
        IgnoreResult = true,
        Headers = new Dictionary<string, object?> { [BeatTicks.Header] = BeatTicks.HeaderValue(entry, Tick) },
    };

    private static Task<MemoryEnvironment> StartAsync(ClaimingBackend backend, CapturedLog log) =>
        MemoryEnvironment.StartAsync(configure: b =>
        {
            b.Options.ResultBackend = "redis://fake:6379/0";
            b.AddResultBackend("redis", backend);
            b.LoggerFactory = log;
        });

    /// <summary>A durable backend in memory whose worker half claims ticks as the Redis one does: once per task id.</summary>
    private sealed class ClaimingBackend : IResultBackendProvider, IOpenResultBackend, IResultBackend, IResultStore, ITickClaims
    {
        private int _attempts;

        public ConcurrentDictionary<string, string> Claimed { get; } = new(StringComparer.Ordinal);

        public int Attempts => Volatile.Read(ref _attempts);

        public bool Fail { get; init; }

        public IResultBackend Client => this;

        public string? ReplyQueue => null;

        public bool ReadsById => true;

        public int PendingCount => 0;

        public bool StoresById => true;

        public void Validate(TaskAppOptions options, List<string> errors)
        {
        }

        public IOpenResultBackend Open(TaskAppOptions options, ILoggerFactory loggerFactory) => this;

        public IResultStore CreateStore(string nodeName) => this;

        public ValueTask<bool> ClaimAsync(string taskId, string tick, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Fail ? throw new InvalidOperationException("the claim store is away") : ValueTask.FromResult(Claimed.TryAdd(taskId, tick));
        }

        public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Register(IResultSink sink)
        {
        }

        public void Join(IResultSink sink)
        {
        }

        public void Unregister(string taskId)
        {
        }

        public void Release(IResultSink sink)
        {
        }

        public ValueTask EnsureStartedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
