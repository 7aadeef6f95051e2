using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Cronos;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// Judges cron expressions with Cronos, the scheduler's own parser, as the scheduler reads them (five fields, six with
/// seconds first, or one <c>@</c> macro), and finds the daily times that a daylight-saving change skips or repeats.
/// </summary>
internal static class CronCheck
{
    private const string CronosPrefix = "The given cron expression has an invalid format.";

    /// <summary>How far ahead <see cref="DaylightSavingConflicts"/> looks: a little over a year, so every yearly change shows.</summary>
    private const int DaysAhead = 400;

    /// <summary>Why the expression does not parse, or null when it does.</summary>
    public static string? Problem(string expression)
    {
        string trimmed = expression.Trim();
        string[] fields = Fields(trimmed);
        bool macro = fields.Length == 1 && trimmed.StartsWith("@", StringComparison.Ordinal);
        if (!macro && fields.Length is not (5 or 6))
        {
            return fields.Length == 1 ? "it has one field" : $"it has {fields.Length} fields";
        }

        try
        {
            CronExpression.Parse(trimmed, fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return null;
        }
        catch (CronFormatException e)
        {
            string detail = e.Message.StartsWith(CronosPrefix, StringComparison.Ordinal) ? e.Message.Substring(CronosPrefix.Length).Trim() : e.Message;
            return detail.TrimEnd('.');
        }
    }

    /// <summary>
    /// For a valid expression whose seconds, minutes and hours are fixed numbers: the local times of day that fall in
    /// a daylight-saving gap or overlap of <paramref name="zone"/> on a day it runs, within the next
    /// <see cref="DaysAhead"/> days from <paramref name="today"/>; each kind with its first date. Empty otherwise.
    /// </summary>
    public static IReadOnlyList<DaylightSavingConflict> DaylightSavingConflicts(string expression, TimeZoneInfo zone, DateTime today)
    {
        if (!zone.SupportsDaylightSavingTime && zone.GetAdjustmentRules().Length == 0)
        {
            return Array.Empty<DaylightSavingConflict>();
        }

        string[] fields = Fields(Expand(expression.Trim()));
        if (fields.Length is not (5 or 6))
        {
            return Array.Empty<DaylightSavingConflict>();
        }

        int offset = fields.Length - 5;
        List<int>? seconds = offset == 1 ? Numbers(fields[0], 59) : new List<int> { 0 };
        List<int>? minutes = Numbers(fields[offset], 59);
        List<int>? hours = Numbers(fields[offset + 1], 23);
        if (seconds is null || minutes is null || hours is null || (long)seconds.Count * minutes.Count * hours.Count > 1440)
        {
            return Array.Empty<DaylightSavingConflict>();
        }

        CronExpression days;
        try
        {
            days = CronExpression.Parse($"0 0 {fields[offset + 2]} {fields[offset + 3]} {fields[offset + 4]}");
        }
        catch (CronFormatException)
        {
            return Array.Empty<DaylightSavingConflict>();
        }

        var times = (from h in hours from m in minutes from s in seconds select new TimeSpan(h, m, s)).OrderBy(t => t).ToList();
        DaylightSavingConflict? gap = null, overlap = null;
        foreach (DateTime day in ChangeDays(zone, today.Date))
        {
            DateTime midnight = DateTime.SpecifyKind(day, DateTimeKind.Utc);
            if (days.GetNextOccurrence(midnight, inclusive: true) != midnight)
            {
                continue;
            }

            foreach (TimeSpan time in times)
            {
                DateTime local = DateTime.SpecifyKind(day + time, DateTimeKind.Unspecified);
                if (gap is null && zone.IsInvalidTime(local))
                {
                    gap = new DaylightSavingConflict(day, time, true, ChangeEnd(zone, local));
                }
                else if (overlap is null && zone.IsAmbiguousTime(local))
                {
                    overlap = new DaylightSavingConflict(day, time, false, null);
                }
            }
        }

        return new[] { gap, overlap }.Where(c => c is not null).Select(c => c!.Value).OrderBy(c => c.Date).ToList();
    }

    /// <summary>The local dates on which the zone's offset changes, within the window.</summary>
    private static IEnumerable<DateTime> ChangeDays(TimeZoneInfo zone, DateTime today)
    {
        var found = new SortedSet<DateTime>();
        DateTime start = DateTime.SpecifyKind(today, DateTimeKind.Utc);
        TimeSpan previous = zone.GetUtcOffset(start);
        for (int i = 1; i <= DaysAhead; i++)
        {
            DateTime instant = start.AddDays(i);
            TimeSpan current = zone.GetUtcOffset(instant);
            if (current != previous)
            {
                // The change happened within the UTC day before this instant; in local time that is that day or a neighbour.
                DateTime local = instant.AddDays(-1).Date;
                for (DateTime day = local.AddDays(-1); day <= local.AddDays(1); day = day.AddDays(1))
                {
                    if (day >= today)
                    {
                        found.Add(day);
                    }
                }

                previous = current;
            }
        }

        return found;
    }

    /// <summary>The local time at which a skipped time's run happens: the first valid minute after it.</summary>
    private static TimeSpan ChangeEnd(TimeZoneInfo zone, DateTime local)
    {
        DateTime probe = new(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
        for (int i = 0; i < 24 * 60 && zone.IsInvalidTime(probe); i++)
        {
            probe = probe.AddMinutes(1);
        }

        return probe - local.Date;
    }

    private static string[] Fields(string expression) => expression.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);

    private static string Expand(string expression) => expression.Trim().ToLowerInvariant() switch
    {
        "@daily" or "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        "@yearly" or "@annually" => "0 0 1 1 *",
        _ => expression,
    };

    /// <summary>
    /// A field of plain numbers or a list of them, as its values; null for anything else. Cronos runs a range, a step or
    /// <c>*</c> in both offsets of a repeated hour, so only plain numbers are daily times that a change moves.
    /// </summary>
    private static List<int>? Numbers(string field, int max)
    {
        var values = new SortedSet<int>();
        foreach (string part in field.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > max)
            {
                return null;
            }

            values.Add(value);
        }

        return values.ToList();
    }
}

/// <summary>A daily run time that a daylight-saving change skips or repeats.</summary>
internal readonly struct DaylightSavingConflict
{
    public DaylightSavingConflict(DateTime date, TimeSpan time, bool skipped, TimeSpan? runsAt)
    {
        Date = date;
        Time = time;
        Skipped = skipped;
        RunsAt = runsAt;
    }

    /// <summary>The local date of the change.</summary>
    public DateTime Date { get; }

    /// <summary>The run's local time of day.</summary>
    public TimeSpan Time { get; }

    /// <summary>True when the time does not exist that day; false when it occurs twice.</summary>
    public bool Skipped { get; }

    /// <summary>For a skipped time, the local time of day the run happens instead.</summary>
    public TimeSpan? RunsAt { get; }
}
