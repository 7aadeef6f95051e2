using System;

namespace TaskGen.Scheduling;

/// <summary>A cron schedule in a time zone, on Cronos, the parser the analyzers use too.</summary>
internal sealed class CronSchedule : Schedule
{
    public CronSchedule(string expression, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
        TimeZoneId = timeZone;
        throw new NotImplementedException("CronSchedule: parse with Cronos (5 or 6 fields), resolve the IANA zone.");
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>The zone id as written, or null for UTC.</summary>
    public string? TimeZoneId { get; }

    public override TimeZoneInfo TimeZone => throw new NotImplementedException();

    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => throw new NotImplementedException();

    public override string ToString() => TimeZoneId is null ? $"cron '{Expression}' UTC" : $"cron '{Expression}' {TimeZoneId}";
}
