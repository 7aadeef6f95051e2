using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Redis;
using TaskGen.Scheduling;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The Redis election and the tick claim on a real Redis: one of two schedulers leads; a leader cut off from Redis stops
/// leading before the other starts, which waits out the fence; a leader whose connection merely drops keeps its term;
/// a Beat elected through Redis sends ticks; and a worker on the Redis backend runs a tick sent twice once.
/// </summary>
public sealed class RedisBeatTests(RabbitMqFixture broker, RedisFixture redis, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Fence = TimeSpan.FromSeconds(0.5);

    [Fact]
    public async Task OfTwoSchedulersOneLeadsAndTheOtherWaitsWhileItRenews()
    {
        string schedule = NewSchedule();
        await using RedisBeatElection a = Election(redis.Url, schedule);
        await using RedisBeatElection b = Election(redis.Url, schedule);
        using var stop = new CancellationTokenSource(Guard);

        Task<BeatTerm> first = a.AcquireAsync("a", stop.Token).AsTask();
        Task<BeatTerm> second = b.AcquireAsync("b", stop.Token).AsTask();
        Task<BeatTerm> winner = await Task.WhenAny(first, second).WaitAsync(Guard);
        BeatTerm term = await winner;
        Task<BeatTerm> loser = winner == first ? second : first;

        // Four leases: the key would have expired three times over without renewals.
        await Task.Delay(Lease * 4);
        Assert.False(loser.IsCompleted);
        Assert.True(term.Leads());
        Assert.False(term.Lost.IsCancellationRequested);
        BeatLeaderInfo leader = (await a.ReadLeaderAsync(CancellationToken.None))!;
        Assert.Equal(winner == first ? "a" : "b", leader.Node);
        Assert.Equal(term.Epoch, leader.Epoch);
    }

    [Fact]
    public async Task ALeaderCutOffFromRedisStopsLeadingBeforeTheOtherLeadsAfterTheFenceWithAHigherEpoch()
    {
        string schedule = NewSchedule();
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(AdminOptions());
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);

        // The leader has a Redis user of its own, so that it alone can be locked out and disconnected.
        string user = "beat-" + Guid.NewGuid().ToString("N")[..8];
        string password = Guid.NewGuid().ToString("N");
        await server.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all");
        try
        {
            RedisUrl url = RedisUrl.Parse(redis.Url);
            await using RedisBeatElection a = Election($"redis://{user}:{password}@{url.Host}:{url.Port}/{url.Database}", schedule);
            await using RedisBeatElection b = Election(redis.Url, schedule);
            using var stop = new CancellationTokenSource(Guard);
            BeatTerm termA = await a.AcquireAsync("a", stop.Token).AsTask().WaitAsync(Guard);
            Task<BeatTerm> second = b.AcquireAsync("b", stop.Token).AsTask();

            await server.ExecuteAsync("ACL", "SETUSER", user, "off");
            await server.ExecuteAsync("CLIENT", "KILL", "USER", user);
            var clock = Stopwatch.StartNew();
            TimeSpan? aStopped = null;
            while (!second.IsCompleted && clock.Elapsed < Guard)
            {
                // Never two leaders: the other's term is handed out only once this one no longer leads.
                bool aLeads = termA.Leads();
                aStopped ??= aLeads ? null : clock.Elapsed;
                await Task.Delay(5);
            }

            TimeSpan bLeads = clock.Elapsed;
            BeatTerm termB = await second;
            output.WriteLine($"cut off at 0; a stopped leading at {aStopped?.TotalMilliseconds:0} ms, b led at {bLeads.TotalMilliseconds:0} ms (lease {Lease.TotalMilliseconds:0} ms, fence {Fence.TotalMilliseconds:0} ms)");
            Assert.NotNull(aStopped);
            Assert.True(termA.Lost.IsCancellationRequested);
            Assert.True(bLeads - aStopped.Value >= Lease + Fence - TimeSpan.FromMilliseconds(20), $"a stopped at {aStopped}, b led at {bLeads}");
            Assert.True(termB.Epoch > termA.Epoch, $"epochs {termA.Epoch} then {termB.Epoch}");
            Assert.True(termB.Leads());
            Assert.Equal("b", (await b.ReadLeaderAsync(CancellationToken.None))!.Node);
        }
        finally
        {
            await server.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task ALeaderWhoseConnectionDropsReconnectsAndKeepsItsTerm()
    {
        string schedule = NewSchedule();
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(AdminOptions());
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        string user = "beat-" + Guid.NewGuid().ToString("N")[..8];
        string password = Guid.NewGuid().ToString("N");
        await server.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all");
        try
        {
            RedisUrl url = RedisUrl.Parse(redis.Url);
            await using RedisBeatElection a = Election($"redis://{user}:{password}@{url.Host}:{url.Port}/{url.Database}", schedule);
            await using RedisBeatElection b = Election(redis.Url, schedule);
            using var stop = new CancellationTokenSource(Guard);
            BeatTerm termA = await a.AcquireAsync("a", stop.Token).AsTask().WaitAsync(Guard);
            Task<BeatTerm> second = b.AcquireAsync("b", stop.Token).AsTask();

            await server.ExecuteAsync("CLIENT", "KILL", "USER", user);
            await Task.Delay(Lease * 4);

            Assert.False(second.IsCompleted);
            Assert.False(termA.Lost.IsCancellationRequested);
            Assert.True(termA.Leads());
        }
        finally
        {
            await server.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task AStoppedLeaderReleasesTheLeaseAndEpochsGrowWithEveryTerm()
    {
        string schedule = NewSchedule();
        await using RedisBeatElection a = Election(redis.Url, schedule);
        await using RedisBeatElection b = Election(redis.Url, schedule);
        using var stopA = new CancellationTokenSource();
        using var guard = new CancellationTokenSource(Guard);
        BeatTerm termA = await a.AcquireAsync("a", stopA.Token).AsTask().WaitAsync(Guard);
        Task<BeatTerm> second = b.AcquireAsync("b", guard.Token).AsTask();

        var clock = Stopwatch.StartNew();
        stopA.Cancel();
        Assert.False(termA.Leads());
        BeatTerm termB = await second.WaitAsync(Guard);

        // Released, the lease is taken at the next poll rather than after it expires: at most a poll, the lease and the fence.
        // The lower bound allows the timer's resolution: a wait of the fence may end a few milliseconds early by this stopwatch.
        Assert.InRange(clock.Elapsed, Lease + Fence - TimeSpan.FromMilliseconds(50), Lease / 3 + Lease + Fence + TimeSpan.FromSeconds(1));
        Assert.Equal(termA.Epoch + 1, termB.Epoch);
    }

    [Fact]
    public async Task AWorkerOnTheRedisBackendRunsATickSentTwiceOnce()
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-tick-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url };
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "ticks@%h", 2, environment);
        DateTimeOffset tick = DateTimeOffset.UtcNow;
        string entry = "record." + Guid.NewGuid().ToString("N")[..8];
        string id = BeatTicks.TaskId(entry, tick);
        var options = new TaskOptions { TaskId = id, IgnoreResult = true, Headers = new Dictionary<string, object?> { [BeatTicks.Header] = BeatTicks.HeaderValue(entry, tick) } };
        try
        {
            await App.SendAsync(Jobs.Record.Signature(path, 1, options));
            await App.SendAsync(Jobs.Record.Signature(path, 1, options));
            await worker.WaitForLineAsync(line => line.Contains("duplicate tick refused", StringComparison.Ordinal), "the worker to refuse the second message of the tick");
            await Poll.UntilAsync(() => ReadyAsync("work"), n => n == 0, "the queue to be empty");

            // The two messages run side by side (-c 2): the refusal can be logged before the first run has written.
            await Poll.UntilAsync(() => Task.FromResult(Runs(path).Length), n => n > 0, "the first message of the tick to run");
            Assert.Equal(["1"], Runs(path));
            string refused = worker.Lines.Single(line => line.Contains("duplicate tick refused", StringComparison.Ordinal));
            Assert.Contains(id, refused, StringComparison.Ordinal);
            Assert.Contains(entry, refused, StringComparison.Ordinal);

            await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(AdminOptions());
            IDatabase database = admin.GetDatabase();
            Assert.Equal(BeatTicks.HeaderValue(entry, tick), (string?)await database.StringGetAsync(RedisResultStore.TickKeyPrefix + id));
            TimeSpan? ttl = await database.KeyTimeToLiveAsync(RedisResultStore.TickKeyPrefix + id);
            Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1));
        }
        finally
        {
            foreach (string file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*"))
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public async Task ABeatElectedThroughRedisSendsTicksThatTheRedisWorkerClaimsAndRuns()
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-beat-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url };
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "beat-redis@%h", 2, environment);
        string entry = "record." + Guid.NewGuid().ToString("N")[..8];
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = redis.Url;
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
            b.AddSchedule(schedule => schedule.Add(entry, Jobs.Record.Signature(path, 7), Schedule.Every(TimeSpan.FromSeconds(1))));
        });
        await using Beat beat = app.CreateBeat(new SchedulerOptions { Name = NewSchedule(), Election = "redis", LeaseDuration = Lease, FenceMargin = Fence });
        using var stop = new CancellationTokenSource();
        Task running = beat.RunAsync(stop.Token);
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(Runs(path).Length), n => n >= 3, "the worker to run three ticks");
            Assert.True(beat.IsLeader);
        }
        finally
        {
            stop.Cancel();
            await running.WaitAsync(Guard);
        }

        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(AdminOptions());
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        string[] claims = [.. server.Keys(pattern: RedisResultStore.TickKeyPrefix + "*").Select(k => (string)k!)];
        string[] ticks = [.. await Task.WhenAll(claims.Select(async k => (string)(await admin.GetDatabase().StringGetAsync(k))!))];
        Assert.True(ticks.Count(t => t.StartsWith(entry + "|", StringComparison.Ordinal)) >= 3);
        Assert.All(Runs(path), run => Assert.Equal("7", run));
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*"))
        {
            File.Delete(file);
        }
    }

    private static string[] Runs(string path) =>
        [.. Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*").SelectMany(File.ReadAllLines)];

    private static string NewSchedule() => "test-" + Guid.NewGuid().ToString("N")[..8];

    private static RedisBeatElection Election(string url, string schedule) =>
        new(
            new RedisBeatLease(new RedisResultConnection(RedisUrl.Parse(url), "taskgen-beat-test"), schedule, ownsConnection: true),
            new SchedulerOptions { Name = schedule, LeaseDuration = Lease, FenceMargin = Fence },
            TimeProvider.System,
            NullLogger.Instance);

    private ConfigurationOptions AdminOptions()
    {
        RedisUrl url = RedisUrl.Parse(redis.Url);
        var options = new ConfigurationOptions { Password = url.Password, DefaultDatabase = url.Database };
        options.EndPoints.Add(url.Host, url.Port);
        return options;
    }
}
