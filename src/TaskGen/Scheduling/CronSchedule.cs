using System;
using Cronos;

namespace TaskGen.Scheduling;

/// <summary>A cron schedule in a time zone, on Cronos, the parser the analyzers use too.</summary>
/// <remarks>
/// Cronos decides the daylight-saving cases: a time a spring-forward change skips runs at the change, a time a
/// fall-back change repeats runs once (at its first occurrence) unless the expression repeats within the hour (an
/// interval such as <c>0 * * * *</c> or <c>*/15 2 * * *</c>), which then runs in both offsets, so that it neither skips
/// nor doubles an instant.
/// </remarks>
internal sealed class CronSchedule : Schedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    public CronSchedule(string expression, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
        TimeZoneId = timeZone;
        _expression = ParseExpression(expression);
        _zone = timeZone is null ? TimeZoneInfo.Utc : FindZone(timeZone);
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>The zone id as written, or null for UTC.</summary>
    public string? TimeZoneId { get; }

    public override TimeZoneInfo TimeZone => _zone;

    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => _expression.GetNextOccurrence(after, _zone, inclusive: false);

    public override string ToString() => TimeZoneId is null ? $"cron '{Expression}' UTC" : $"cron '{Expression}' {TimeZoneId}";

    private static CronExpression ParseExpression(string expression)
    {
        string trimmed = expression.Trim();
        int fields = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

        // Cronos's macros (@daily, @hourly, ...) are one word and parse in either format.
        CronFormat format = fields switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            1 when trimmed.StartsWith('@') => CronFormat.Standard,
            _ => throw new FormatException(
                $"The cron expression '{expression}' has {fields} field(s); a cron expression has 5 (minute hour day-of-month month day-of-week, for example '0 6 * * *') or 6 (seconds first, for example '*/10 * * * * *').{(fields == 0 ? string.Empty : " An interval is written 'every 30 s'.")}"),
        };

        try
        {
            return CronExpression.Parse(trimmed, format);
        }
        catch (CronFormatException ex)
        {
            throw new FormatException(
                $"The cron expression '{expression}' does not parse: {ex.Message} A valid one has 5 fields (minute hour day-of-month month day-of-week, for example '0 6 * * *' or '*/15 9-17 * * MON-FRI') or 6 with seconds first.",
                ex);
        }
    }

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException) when (OperatingSystem.IsWindows() && TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out string? windowsId))
        {
            return TimeZoneInfo.FindSystemTimeZoneById(windowsId);
        }
        catch (TimeZoneNotFoundException ex)
        {
            throw new TimeZoneNotFoundException($"The time zone '{id}' is not known on this system; use an IANA time-zone id such as 'Europe/Berlin', 'America/New_York' or 'UTC'.", ex);
        }
        catch (InvalidTimeZoneException ex)
        {
            throw new TimeZoneNotFoundException($"The time zone '{id}' could not be read on this system ({ex.Message}); use an IANA time-zone id such as 'Europe/Berlin'.", ex);
        }
    }
}
