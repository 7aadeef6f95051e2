using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using TaskGen.Redis;
using TaskGen.Scheduling;

namespace TaskGen.Tests.Scheduling;

/// <summary>
/// The Redis election's timing on a fake clock and a lease kept in memory by the same clock: one leader at a time, a
/// term handed out only after the fence, a leader that cannot renew stops leading before its lease can expire in Redis,
/// and a new term always has a higher epoch.
/// </summary>
public sealed class RedisBeatElectionTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Fence = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly LeaseServer _server;

    public RedisBeatElectionTests() => _server = new LeaseServer(_time);

    [Fact]
    public async Task TheFirstToTakeTheLeaseLeadsOnlyAfterTheFenceAndTheOtherWaitsWhileItRenews()
    {
        await using RedisBeatElection a = Election(_server.Client("a"));
        await using RedisBeatElection b = Election(_server.Client("b"));
        ValueTask<BeatTerm> first = a.AcquireAsync("a", CancellationToken.None);
        ValueTask<BeatTerm> second = b.AcquireAsync("b", CancellationToken.None);

        await AdvanceAsync(Lease + Fence - Step);
        Assert.False(first.IsCompleted, "a term was handed out before the fence was over");
        await AdvanceAsync(Step);
        await Eventually(() => first.IsCompleted);
        BeatTerm term = await first;
        Assert.True(term.Leads());
        Assert.Equal(1, term.Epoch);

        // Ten seconds of renewals: the other never gets the lease, and the leader never stops leading.
        for (int i = 0; i < 10 * 20; i++)
        {
            await AdvanceAsync(Step);
            Assert.True(term.Leads());
        }

        Assert.False(second.IsCompleted);
        Assert.False(term.Lost.IsCancellationRequested);
        Assert.Equal("a", (await a.ReadLeaderAsync(CancellationToken.None))!.Node);
    }

    [Fact]
    public async Task ALeaderCutOffStopsLeadingBeforeItsLeaseExpiresAndTheOtherLeadsOnlyAfterTheFence()
    {
        LeaseClient clientA = _server.Client("a");
        await using RedisBeatElection a = Election(clientA);
        await using RedisBeatElection b = Election(_server.Client("b"));
        BeatTerm termA = await LeadAsync(a, "a");
        ValueTask<BeatTerm> second = b.AcquireAsync("b", CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(2));

        clientA.Cut = true;
        DateTimeOffset? aStopped = null;
        DateTimeOffset? bTook = null;
        DateTimeOffset? bLeads = null;
        for (int i = 0; i < 400 && !second.IsCompleted; i++)
        {
            await AdvanceAsync(Step);
            aStopped ??= termA.Leads() ? null : _time.GetUtcNow();
            bTook ??= _server.Holder == "b" ? _time.GetUtcNow() : null;

            // Never two leaders: while a still counts itself the leader, the key is still its own.
            Assert.False(termA.Leads() && _server.Holder != "a", "the lease passed on while its holder still led");
            bLeads = second.IsCompleted ? _time.GetUtcNow() : null;
        }

        Assert.True(second.IsCompleted, "the other process never led");
        BeatTerm termB = await second;
        Assert.True(termA.Lost.IsCancellationRequested);
        Assert.NotNull(aStopped);
        Assert.NotNull(bTook);
        Assert.True(aStopped <= bTook, $"a stopped at {aStopped:O}, b took the lease at {bTook:O}");
        Assert.True(bLeads - bTook >= Lease + Fence, $"b took the lease at {bTook:O} and led at {bLeads:O}");
        Assert.True(bLeads - aStopped >= Lease + Fence);
        Assert.True(termB.Epoch > termA.Epoch);
        Assert.True(termB.Leads());
    }

    [Fact]
    public async Task ALeaderCountsItsLeaseFromWhenItSentTheRenewalNotFromTheReply()
    {
        LeaseClient client = _server.Client("a");
        await using RedisBeatElection a = Election(client);
        BeatTerm term = await LeadAsync(a, "a");

        // The next renewal is sent and its reply held back; meanwhile every later renewal goes unanswered too.
        client.HoldRenewals = true;
        await AdvanceAsync(Lease / 3);
        DateTimeOffset sent = _server.LastRenewalSent;

        // Held for less than is left of the lease proved before it, which would end the term.
        await AdvanceAsync(TimeSpan.FromSeconds(1.5));
        client.ReleaseHeldRenewals();

        // Cut off now, it leads until the held renewal's send plus the lease, not its reply plus the lease.
        client.Cut = true;
        DateTimeOffset proof = _server.LastRenewalSent;
        Assert.Equal(sent, proof);
        Assert.True(term.Leads());
        while (term.Leads())
        {
            await AdvanceAsync(Step);
        }

        Assert.True(_time.GetUtcNow() - proof <= Lease + Step, $"led until {_time.GetUtcNow():O}, last proof sent {proof:O}");
        Assert.True(_time.GetUtcNow() - proof >= Lease - Step);
    }

    [Fact]
    public async Task ARefusedRenewalEndsTheTermAtOnce()
    {
        await using RedisBeatElection a = Election(_server.Client("a"));
        BeatTerm term = await LeadAsync(a, "a");

        _server.Steal("intruder");
        await AdvanceAsync(Lease / 3 + Step);

        await Eventually(() => term.Lost.IsCancellationRequested);
        Assert.False(term.Leads());
    }

    [Fact]
    public async Task AGracefulStopReleasesTheLeaseSoTheNextTakesItWithoutWaitingForItToExpire()
    {
        await using RedisBeatElection a = Election(_server.Client("a"));
        await using RedisBeatElection b = Election(_server.Client("b"));
        using var stopA = new CancellationTokenSource();
        ValueTask<BeatTerm> first = a.AcquireAsync("a", stopA.Token);
        await AdvanceAsync(Lease + Fence);
        BeatTerm termA = await first;
        ValueTask<BeatTerm> second = b.AcquireAsync("b", CancellationToken.None);
        await AdvanceAsync(Step);

        stopA.Cancel();
        Assert.False(termA.Leads());
        await Eventually(() => _server.Holder is null);

        // The next poll takes it (a third of the lease), then the fence: well before the lease would have expired and been fenced.
        await AdvanceAsync(Lease / 3 + Step);
        Assert.Equal("b", _server.Holder);
        await AdvanceAsync(Lease + Fence);
        await Eventually(() => second.IsCompleted);
        Assert.Equal(2, (await second).Epoch);
    }

    [Fact]
    public async Task ALeaseLostDuringTheFenceIsNotHandedOutAndTheWaitStartsAgain()
    {
        await using RedisBeatElection a = Election(_server.Client("a"));
        ValueTask<BeatTerm> first = a.AcquireAsync("a", CancellationToken.None);
        await AdvanceAsync(Lease / 3 + Step);

        _server.Steal("intruder");
        await AdvanceAsync(Lease + Fence);
        Assert.False(first.IsCompleted);

        // The intruder's lease runs out; a takes a new one, with a new epoch, and waits the whole fence again.
        _server.Expire();
        await AdvanceAsync(Lease / 3 + Step);
        Assert.Equal("a", _server.Holder);
        Assert.False(first.IsCompleted);
        await AdvanceAsync(Lease + Fence);
        await Eventually(() => first.IsCompleted);
        Assert.Equal(3, (await first).Epoch);
    }

    [Fact]
    public async Task TheLeaderIsReadFromTheLeaseValue()
    {
        await using RedisBeatElection a = Election(_server.Client("a"));
        Assert.Null(await a.ReadLeaderAsync(CancellationToken.None));
        DateTimeOffset began = _time.GetUtcNow();
        await LeadAsync(a, "beat.1@host");

        BeatLeaderInfo leader = (await a.ReadLeaderAsync(CancellationToken.None))!;
        Assert.Equal("beat.1@host", leader.Node);
        Assert.Equal(1, leader.Epoch);
        Assert.Equal(began, leader.Since);
        Assert.Null(RedisBeatElection.ReadLeader("not json"));
        Assert.Null(RedisBeatElection.ReadLeader("{\"node\":\"x\"}"));
    }

    private RedisBeatElection Election(LeaseClient client) =>
        new(client, new SchedulerOptions { LeaseDuration = Lease, FenceMargin = Fence }, _time, NullLogger.Instance);

    private async Task<BeatTerm> LeadAsync(RedisBeatElection election, string node)
    {
        ValueTask<BeatTerm> acquiring = election.AcquireAsync(node, CancellationToken.None);
        await AdvanceAsync(Lease + Fence);
        await Eventually(() => acquiring.IsCompleted);
        return await acquiring;
    }

    // In steps, so that every renewal and poll happens at its own time rather than all at the end of one jump. The
    // clock's waits end on the thread pool, so each step lets what it woke run before the clock moves on.
    private async Task AdvanceAsync(TimeSpan total)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += Step)
        {
            _time.Advance(total - done < Step ? total - done : Step);
            await Task.Delay(2);
        }
    }

    // For what follows a step on the thread pool; bounded, and the fake clock does not move meanwhile.
    private static async Task Eventually(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    /// <summary>One Redis key with a time to live on the fake clock, and the epoch counter, as the scripts keep them.</summary>
    private sealed class LeaseServer(FakeTimeProvider time)
    {
        private readonly object _gate = new();
        private string? _value;
        private string? _holder;
        private DateTimeOffset _expires;
        private long _epoch;

        public DateTimeOffset LastRenewalSent { get; private set; }

        public string? Holder
        {
            get
            {
                lock (_gate)
                {
                    Sweep();
                    return _holder;
                }
            }
        }

        public LeaseClient Client(string name) => new(this, name);

        // Another process's lease, held until the test lets it go with Expire.
        public void Steal(string holder)
        {
            lock (_gate)
            {
                _epoch++;
                _value = $"{{\"node\":\"{holder}\",\"epoch\":{_epoch},\"since\":\"{time.GetUtcNow().UtcDateTime:O}\"}}";
                _holder = holder;
                _expires = time.GetUtcNow() + TimeSpan.FromHours(1);
            }
        }

        public void Expire()
        {
            lock (_gate)
            {
                _value = null;
                _holder = null;
            }
        }

        public string? TryTake(string node, DateTimeOffset since, TimeSpan duration)
        {
            lock (_gate)
            {
                Sweep();
                if (_value is not null)
                {
                    return null;
                }

                _epoch++;
                _value = $"{{\"node\":\"{node}\",\"epoch\":{_epoch},\"since\":\"{since.UtcDateTime:O}\"}}";
                _holder = node;
                _expires = time.GetUtcNow() + duration;
                return _value;
            }
        }

        public void NoteSent() => LastRenewalSent = time.GetUtcNow();

        public bool Renew(string value, TimeSpan duration)
        {
            lock (_gate)
            {
                Sweep();
                if (_value != value)
                {
                    return false;
                }

                _expires = time.GetUtcNow() + duration;
                return true;
            }
        }

        public void Release(string value)
        {
            lock (_gate)
            {
                Sweep();
                if (_value == value)
                {
                    _value = null;
                    _holder = null;
                }
            }
        }

        public string? Read()
        {
            lock (_gate)
            {
                Sweep();
                return _value;
            }
        }

        private void Sweep()
        {
            if (_value is not null && time.GetUtcNow() >= _expires)
            {
                _value = null;
                _holder = null;
            }
        }
    }

    /// <summary>One process's connection to the lease: it can be cut off, or have its renewals' replies held back.</summary>
    private sealed class LeaseClient(LeaseServer server, string name) : IBeatLease
    {
        private readonly List<(TaskCompletionSource<bool> Reply, bool Renewed)> _held = [];

        public bool Cut { get; set; }

        public bool HoldRenewals { get; set; }

        public string Description => "the test lease of " + name;

        public ValueTask<string?> TryTakeAsync(string node, DateTimeOffset since, TimeSpan duration, CancellationToken cancellationToken) =>
            Cut ? throw Failure() : ValueTask.FromResult(server.TryTake(node, since, duration));

        public ValueTask<bool> RenewAsync(string value, TimeSpan duration, CancellationToken cancellationToken)
        {
            if (Cut)
            {
                throw Failure();
            }

            server.NoteSent();
            if (HoldRenewals)
            {
                // Reaches the server now; only the reply is late.
                var reply = new TaskCompletionSource<bool>();
                _held.Add((reply, server.Renew(value, duration)));
                return new ValueTask<bool>(reply.Task);
            }

            return ValueTask.FromResult(server.Renew(value, duration));
        }

        // The replies complete here, on the test's thread, so the election has taken them in when this returns.
        public void ReleaseHeldRenewals()
        {
            HoldRenewals = false;
            foreach ((TaskCompletionSource<bool> reply, bool renewed) in _held)
            {
                reply.SetResult(renewed);
            }

            _held.Clear();
        }

        public ValueTask ReleaseAsync(string value, CancellationToken cancellationToken)
        {
            if (Cut)
            {
                throw Failure();
            }

            server.Release(value);
            return ValueTask.CompletedTask;
        }

        public ValueTask<string?> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(server.Read());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static RedisConnectionException Failure() => new(ConnectionFailureType.SocketFailure, "cut off");
    }
}
