using System;
using System.Collections.Generic;

namespace TaskGen.Scheduling;

/// <summary>What one entry sends now and when it is next due.</summary>
/// <param name="Send">The run times to send now, oldest first.</param>
/// <param name="Next">The first run time after now, or null when the schedule has no more.</param>
/// <param name="Missed">How many run times were later than the misfire threshold.</param>
/// <param name="Dropped">How many of the missed run times are not sent, under the policy or the catch-up cap.</param>
/// <param name="FirstMissed">The oldest missed run time, when any was.</param>
/// <param name="LastMissed">The latest missed run time, when any was.</param>
internal sealed record BeatPlan(IReadOnlyList<DateTimeOffset> Send, DateTimeOffset? Next, long Missed, long Dropped, DateTimeOffset? FirstMissed, DateTimeOffset? LastMissed);

/// <summary>
/// Decides, without a clock or a broker, which run times of an entry are due: those within the misfire threshold of
/// now are on time and always sent; older ones fall under the entry's misfire policy.
/// </summary>
internal static class BeatPlanner
{
    /// <summary>The most missed runs one catch-up sends for a <see cref="MisfirePolicy.RunAll"/> entry; older ones are dropped.</summary>
    public const int MaxCatchUp = 1_000;

    /// <summary>The least misfire threshold the planner uses, whatever an entry asks for.</summary>
    public static readonly TimeSpan MinimumThreshold = TimeSpan.FromSeconds(1);

    /// <summary>Plans an entry.</summary>
    /// <param name="schedule">When the entry runs.</param>
    /// <param name="policy">What happens to missed runs.</param>
    /// <param name="threshold">How late a run may be and still be on time.</param>
    /// <param name="last">
    /// The last run time sent, or null when none ever was: then nothing at or before <paramref name="now"/> is sent,
    /// since nothing fires at start-up unless a run was missed.
    /// </param>
    /// <param name="now">The current time.</param>
    public static BeatPlan Plan(Schedule schedule, MisfirePolicy policy, TimeSpan threshold, DateTimeOffset? last, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (last is not { } from || from >= now)
        {
            return new BeatPlan([], schedule.GetNextOccurrence(last is { } later && later > now ? later : now), 0, 0, null, null);
        }

        // The loop wakes a little after a run's time, never exactly at it: a threshold under a second would count every
        // run as missed, so Skip would never send one.
        threshold = threshold < MinimumThreshold ? MinimumThreshold : threshold;
        DateTimeOffset cutoff = now - threshold > from ? now - threshold : from;
        var send = new List<DateTimeOffset>();
        var kept = new Queue<DateTimeOffset>();
        long missed = 0;
        DateTimeOffset? firstMissed = null;
        DateTimeOffset? lastMissed = null;

        DateTimeOffset? tick = schedule.GetNextOccurrence(from);
        while (tick is { } t && t < cutoff)
        {
            missed++;
            firstMissed ??= t;
            lastMissed = t;
            if (policy == MisfirePolicy.RunAll)
            {
                if (kept.Count == MaxCatchUp)
                {
                    kept.Dequeue();
                }

                kept.Enqueue(t);
            }

            tick = schedule.GetNextOccurrence(t);
        }

        switch (policy)
        {
            case MisfirePolicy.RunAll:
                send.AddRange(kept);
                break;
            case MisfirePolicy.RunOnce when lastMissed is { } latest:
                send.Add(latest);
                break;
        }

        long dropped = missed - send.Count;
        while (tick is { } t && t <= now)
        {
            send.Add(t);
            tick = schedule.GetNextOccurrence(t);
        }

        return new BeatPlan(send, tick, missed, dropped, firstMissed, lastMissed);
    }
}
