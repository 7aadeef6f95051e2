using System;

namespace TaskGen.Scheduling;

/// <summary>
/// When a schedule entry runs: a cron expression in a time zone, or a fixed interval. Occurrences are instants, so
/// a daylight-saving change neither repeats nor drops a run of a cron schedule.
/// </summary>
public abstract class Schedule
{
    private protected Schedule()
    {
    }

    /// <summary>
    /// A cron schedule of five fields (minute hour day month weekday) or six (seconds first), in the given IANA time
    /// zone or UTC. A daily time that a spring-forward change skips runs at the change; one that a fall-back change
    /// repeats runs once, at its first occurrence.
    /// </summary>
    /// <param name="expression">The cron expression, for example <c>0 6 * * *</c>.</param>
    /// <param name="timeZone">An IANA time-zone id such as <c>Europe/Berlin</c>, or null for UTC.</param>
    /// <exception cref="FormatException">The expression does not parse; the message says which field.</exception>
    /// <exception cref="TimeZoneNotFoundException">The time zone is not known.</exception>
    public static Schedule Cron(string expression, string? timeZone = null) => new CronSchedule(expression, timeZone);

    /// <summary>
    /// A schedule that runs every <paramref name="interval"/>, at whole multiples of it counted from the Unix epoch
    /// in UTC, so that every scheduler process agrees on the run times (and so on each run's task id).
    /// </summary>
    /// <param name="interval">The interval, one second or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is under one second.</exception>
    public static Schedule Every(TimeSpan interval) => new IntervalSchedule(interval);

    /// <summary>
    /// Parses a schedule as configuration writes it: <c>every 30 s</c> (units <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>) or a
    /// cron expression.
    /// </summary>
    /// <param name="text">The schedule.</param>
    /// <param name="timeZone">The time zone of a cron expression, or null for UTC.</param>
    /// <exception cref="FormatException">The text is neither an interval nor a cron expression.</exception>
    public static Schedule Parse(string text, string? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return IntervalSchedule.TryParse(text, out TimeSpan interval) ? Every(interval) : Cron(text, timeZone);
    }

    /// <summary>The time zone the schedule's times are written in; UTC for intervals.</summary>
    public abstract TimeZoneInfo TimeZone { get; }

    /// <summary>Returns the first run time strictly after <paramref name="after"/>, or null when there is none.</summary>
    /// <param name="after">The instant to look after.</param>
    public abstract DateTimeOffset? GetNextOccurrence(DateTimeOffset after);

    /// <summary>The schedule as it was written, for listings and logs.</summary>
    public abstract override string ToString();
}
