using System;

namespace TaskGen.Scheduling;

/// <summary>A fixed interval, aligned to the Unix epoch so that every process computes the same run times.</summary>
internal sealed class IntervalSchedule : Schedule
{
    public IntervalSchedule(TimeSpan interval)
    {
        if (interval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"A schedule interval must be one second or more, not {interval}.");
        }

        Interval = interval;
    }

    /// <summary>The interval.</summary>
    public TimeSpan Interval { get; }

    public override TimeZoneInfo TimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => throw new NotImplementedException();

    public override string ToString() => $"every {Interval}";

    /// <summary>Parses <c>every 30 s</c>, <c>every 5m</c>, <c>every 1 h</c>, <c>every 1 d</c>.</summary>
    public static bool TryParse(string text, out TimeSpan interval) => throw new NotImplementedException();
}
