using System;

namespace TaskGen.Worker;

/// <summary>Turns the seconds of a <c>timelimit</c> header into a delay .NET timers accept.</summary>
internal static class TimeLimits
{
    /// <summary>The longest a .NET timer waits in one go (about 24.8 days).</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(int.MaxValue - 1);

    /// <summary>
    /// A positive, finite number of seconds becomes a delay, clamped to <see cref="Longest"/>; anything else
    /// (null, zero, negative, NaN, infinite) means no limit, as Celery reads a missing one.
    /// </summary>
    public static TimeSpan? ToDelay(double? seconds) =>
        seconds is { } value && double.IsFinite(value) && value > 0
            ? value * 1000 >= Longest.TotalMilliseconds ? Longest : TimeSpan.FromMilliseconds(Math.Max(1, value * 1000))
            : null;
}
