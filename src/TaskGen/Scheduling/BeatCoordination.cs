using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Scheduling;

/// <summary>
/// One term of leadership: while <see cref="Lost"/> has not fired and <see cref="Leads"/> says so, this process is the
/// only one that sends ticks. An election hands out a term only after its fence wait, so a deposed leader has stopped.
/// </summary>
/// <param name="Epoch">Grows with every term any process is given, where the election can count them (0 where it cannot).</param>
/// <param name="Lost">Fires when the term ends: the lease lapsed, the connection that held it dropped, or the scheduler stopped.</param>
/// <param name="Leads">Checked right before every send: false once the lease has lapsed, even before <see cref="Lost"/> fires.</param>
internal sealed record BeatTerm(long Epoch, CancellationToken Lost, Func<bool> Leads);

/// <summary>Who leads a schedule, as <c>schedule list</c> shows it.</summary>
/// <param name="Node">The leader's node name (<c>beat@host</c>).</param>
/// <param name="Since">When its term began.</param>
/// <param name="Epoch">Its term's epoch.</param>
internal sealed record BeatLeaderInfo(string Node, DateTimeOffset Since, long Epoch);

/// <summary>
/// Elects the one process that sends a schedule's ticks, through what the app already runs: the broker (a
/// single-active-consumer queue) or Redis (a lease with a fencing epoch).
/// </summary>
internal interface IBeatElection : IAsyncDisposable
{
    /// <summary>Where the election is held, for logs; never contains a password.</summary>
    string Description { get; }

    /// <summary>Waits until this process leads, then returns its term; the fence wait is over when it returns.</summary>
    /// <param name="node">This process's node name, published as the leader's.</param>
    /// <param name="cancellationToken">Stops waiting; a term given out is ended too.</param>
    ValueTask<BeatTerm> AcquireAsync(string node, CancellationToken cancellationToken);

    /// <summary>Reads who leads now, or null when nobody does or it cannot be known.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Keeps the last sent tick of each entry durably, recorded by the same publish that sends the tick where the
/// store can (the broker's <c>BCC</c> routing), so that a crash between sending and recording cannot repeat a tick.
/// </summary>
internal interface IBeatState : IAsyncDisposable
{
    /// <summary>Reads the last sent tick of each entry that has one; called at the start of every term, before any send.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<IReadOnlyDictionary<string, DateTimeOffset>> ReadLastTicksAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken cancellationToken);

    /// <summary>Adds to a tick's message headers what makes its publish record the tick as well; may add nothing.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="tick">The tick's run time.</param>
    /// <param name="headers">The headers of the tick's task message.</param>
    void PrepareTick(ScheduleEntry entry, DateTimeOffset tick, IDictionary<string, object?> headers);

    /// <summary>
    /// Records, for an entry that has no record yet, that no run before <paramref name="since"/> is owed: written at the
    /// start of the first term that finds none, so that a run due during a later leader change is caught up by the
    /// next leader instead of being counted from that leader's own start.
    /// </summary>
    /// <param name="entry">The entry.</param>
    /// <param name="since">The instant runs are owed from.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask RecordBaselineAsync(ScheduleEntry entry, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Records a tick once the broker has confirmed it, for stores its publish cannot record; a no-op otherwise.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="tick">The tick's run time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask TickSentAsync(ScheduleEntry entry, DateTimeOffset tick, CancellationToken cancellationToken);
}
