using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>
/// What a <c>[Periodic]</c> attribute must be for the generated module to register its entry, and how interval text
/// reads: one rule for the generator (which skips a broken attribute) and the analyzers (which report it).
/// </summary>
internal static class PeriodicRules
{
    public const string PeriodicAttribute = "TaskGen.PeriodicAttribute";

    /// <summary>The shortest interval a schedule may have, in ticks: one second.</summary>
    public const long MinimumIntervalTicks = 10_000_000;

    /// <summary>The longest entry name, as <c>ScheduleEntry.MaxNameLength</c>: it becomes part of a broker queue name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>
    /// Reads an interval as the scheduler does (<c>IntervalSchedule.TryParse</c>): a number and a unit, the word
    /// <c>every</c> optional (<c>30 s</c>, <c>every 5m</c>, <c>1.5 hours</c>), or <c>hh:mm:ss</c>. False for anything else,
    /// zero included; an interval under a second still reads, so that the caller can say what is wrong with it.
    /// </summary>
    public static bool TryParseInterval(string text, out long ticks)
    {
        ticks = 0;
        string rest = WithoutEvery(text);
        if (Split(rest) is { } parts && Unit(parts.Unit) is { } unit)
        {
            if (parts.Number <= 0 || parts.Number > TimeSpan.MaxValue.Ticks / unit)
            {
                return false;
            }

            ticks = (long)decimal.Round(parts.Number * unit);
            return ticks > 0;
        }

        if (rest.IndexOf(':') >= 0
            && TimeSpan.TryParseExact(rest, new[] { "c", @"h\:mm\:ss", @"hh\:mm\:ss", @"d\.hh\:mm\:ss" }, CultureInfo.InvariantCulture, out TimeSpan interval)
            && interval > TimeSpan.Zero)
        {
            ticks = interval.Ticks;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The interval of text written in milliseconds (<c>500 ms</c>), which the scheduler does not read: the analyzers
    /// report one under a second as such, since that is the mistake to fix. Null for other text.
    /// </summary>
    public static long? Milliseconds(string text) =>
        Split(WithoutEvery(text)) is { } parts && parts.Unit.ToLowerInvariant() is "ms" or "msec" or "millisecond" or "milliseconds" && parts.Number < 1e12m
            ? (long)decimal.Round(parts.Number * 10_000)
            : null;

    /// <summary>Whether text given to <c>Schedule.Parse</c> was meant as an interval: it starts with <c>every</c>.</summary>
    public static bool LooksLikeInterval(string text) => text.TrimStart().StartsWith("every", StringComparison.OrdinalIgnoreCase);

    private static string WithoutEvery(string text)
    {
        string rest = text.Trim();
        return rest.StartsWith("every", StringComparison.OrdinalIgnoreCase) && rest.Length > 5 && char.IsWhiteSpace(rest[5]) ? rest.Substring(6).Trim() : rest;
    }

    private static (decimal Number, string Unit)? Split(string text)
    {
        int end = 0;
        while (end < text.Length && (char.IsDigit(text[end]) || text[end] == '.'))
        {
            end++;
        }

        // The scheduler's pattern: digits, optionally a point and more digits.
        string number = text.Substring(0, end);
        if (end == 0 || number.StartsWith(".", StringComparison.Ordinal) || number.EndsWith(".", StringComparison.Ordinal) || number.IndexOf('.') != number.LastIndexOf('.')
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            return null;
        }

        return (value, text.Substring(end).Trim());
    }

    private static long? Unit(string unit) => unit.ToLowerInvariant() switch
    {
        "s" or "sec" or "secs" or "second" or "seconds" => MinimumIntervalTicks,
        "m" or "min" or "mins" or "minute" or "minutes" => 60 * MinimumIntervalTicks,
        "h" or "hr" or "hrs" or "hour" or "hours" => 3600 * MinimumIntervalTicks,
        "d" or "day" or "days" => 86_400 * MinimumIntervalTicks,
        _ => null,
    };

    /// <summary>
    /// Why the generated module cannot register this <c>[Periodic]</c> entry for the task, or null when it can: the
    /// analyzers report each reason as TG0506 (or TG0505 and TG0507 for the interval).
    /// </summary>
    /// <param name="method">The method the attribute is on.</param>
    /// <param name="attribute">The <c>[Periodic]</c> attribute.</param>
    /// <param name="isTask">Whether the method carries <c>[Task]</c>.</param>
    public static string? WhyNotRegistered(IMethodSymbol method, AttributeData attribute, bool isTask)
    {
        if (!isTask)
        {
            return "the method is not a [Task]; add [Task] to it";
        }

        if (RequiredArguments(method) is { Count: > 0 } required)
        {
            return $"the task takes {(required.Count == 1 ? "the argument" : "the arguments")} {string.Join(", ", required)}, and a periodic run sends none; give {(required.Count == 1 ? "it a default value" : "them default values")}, or add an entry with ScheduleBuilder.Add and the task's Signature(...)";
        }

        string? cron = TaskNames.NamedString(attribute, "Cron");
        string? every = TaskNames.NamedString(attribute, "Every");
        if (cron is null && every is null)
        {
            return "it names no schedule; set Cron (for example Cron = \"0 6 * * *\") or Every (for example Every = \"30 s\")";
        }

        if (cron is not null && every is not null)
        {
            return "it sets both Cron and Every; keep one, since an entry has one schedule";
        }

        if (TaskNames.NamedString(attribute, "Name") is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength))
        {
            return string.IsNullOrWhiteSpace(name)
                ? "its Name is empty; remove Name to use the task's name"
                : $"its Name has {name.Length} characters; the most is {MaxNameLength}, since the name becomes part of a broker queue name";
        }

        return null;
    }

    /// <summary>The entry's name: the attribute's <c>Name</c>, or the task's name.</summary>
    public static string EntryName(AttributeData attribute, string taskName) => TaskNames.NamedString(attribute, "Name") ?? taskName;

    /// <summary>The names of the parameters a run would have to send, which a periodic run cannot: data without a default value.</summary>
    public static List<string> RequiredArguments(IMethodSymbol method)
    {
        var required = new List<string>();
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (!parameter.HasExplicitDefaultValue && !parameter.IsParams && !TaskNames.IsFromServices(parameter)
                && TaskShape.InjectedRoleOf(parameter) == InjectedRole.None)
            {
                required.Add("'" + parameter.Name + "'");
            }
        }

        return required;
    }
}
