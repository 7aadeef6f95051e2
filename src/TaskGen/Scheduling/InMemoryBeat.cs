using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>
/// The election and state of each schedule of a <c>memory://</c> broker, shared by every scheduler on that broker, so
/// that two schedulers of one schedule elect one sender between them as they would on a real broker.
/// </summary>
internal static class InMemoryBeat
{
    private static readonly ConditionalWeakTable<InMemoryBroker, ConcurrentDictionary<string, (IBeatElection, IBeatState)>> s_schedules = new();

    /// <summary>The election and state of schedule <paramref name="name"/> on <paramref name="broker"/>.</summary>
    public static (IBeatElection Election, IBeatState State) For(InMemoryBroker broker, string name) =>
        s_schedules.GetOrCreateValue(broker).GetOrAdd(name, static _ => (new InMemoryBeatElection(), new InMemoryBeatState()));
}

/// <summary>
/// The election of a <c>memory://</c> app: the broker lives in this process, so its one scheduler leads at once and
/// for good; a second scheduler on the same app waits until the first stops.
/// </summary>
internal sealed class InMemoryBeatElection : IBeatElection
{
    private readonly SemaphoreSlim _lead = new(1, 1);
    private long _epoch;
    private BeatLeaderInfo? _leader;

    public string Description => "memory://";

    public async ValueTask<BeatTerm> AcquireAsync(string node, CancellationToken cancellationToken)
    {
        await _lead.WaitAsync(cancellationToken).ConfigureAwait(false);
        long epoch = Interlocked.Increment(ref _epoch);
        _leader = new BeatLeaderInfo(node, DateTimeOffset.UtcNow, epoch);

        // The term lasts until the scheduler stops; then the role is free for another scheduler on the same app.
        cancellationToken.Register(() =>
        {
            _leader = null;
            _lead.Release();
        });
        return new BeatTerm(epoch, cancellationToken, () => !cancellationToken.IsCancellationRequested);
    }

    public ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_leader);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The state of a <c>memory://</c> app: nothing outlives the process, so a dictionary is as durable as its broker.</summary>
internal sealed class InMemoryBeatState : IBeatState
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    public ValueTask<IReadOnlyDictionary<string, DateTimeOffset>> ReadLastTicksAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken cancellationToken)
    {
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (ScheduleEntry entry in entries)
        {
            if (_last.TryGetValue(entry.Name, out DateTimeOffset tick))
            {
                last[entry.Name] = tick;
            }
        }

        return ValueTask.FromResult<IReadOnlyDictionary<string, DateTimeOffset>>(last);
    }

    public void PrepareTick(ScheduleEntry entry, DateTimeOffset tick, IDictionary<string, object?> headers)
    {
    }

    public ValueTask RecordBaselineAsync(ScheduleEntry entry, DateTimeOffset since, CancellationToken cancellationToken) =>
        TickSentAsync(entry, since, cancellationToken);

    public ValueTask TickSentAsync(ScheduleEntry entry, DateTimeOffset tick, CancellationToken cancellationToken)
    {
        _last.AddOrUpdate(entry.Name, tick, (_, previous) => previous > tick ? previous : tick);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
