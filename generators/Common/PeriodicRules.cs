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
    /// Reads an interval such as <c>30 s</c>, <c>every 5m</c>, <c>1.5 h</c> or <c>500 ms</c> (units <c>ms</c>, <c>s</c>,
    /// <c>m</c>, <c>h</c>, <c>d</c>; the word <c>every</c> may come first). False for anything else; an interval under
    /// a second still reads, so that the caller can say what is wrong with it.
    /// </summary>
    public static bool TryParseInterval(string text, out long ticks)
    {
        ticks = 0;
        string rest = text.Trim();
        if (rest.StartsWith("every", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest.Substring(5).TrimStart();
        }

        int end = 0;
        while (end < rest.Length && (char.IsDigit(rest[end]) || rest[end] == '.'))
        {
            end++;
        }

        if (end == 0 || !decimal.TryParse(rest.Substring(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            return false;
        }

        long? unit = rest.Substring(end).Trim().ToLowerInvariant() switch
        {
            "ms" => 10_000L,
            "s" => MinimumIntervalTicks,
            "m" => 60 * MinimumIntervalTicks,
            "h" => 3600 * MinimumIntervalTicks,
            "d" => 86_400 * MinimumIntervalTicks,
            _ => null,
        };
        if (unit is null || number > 36_500m * 86_400m * 1000m)
        {
            return false;
        }

        ticks = (long)decimal.Round(number * unit.Value);
        return true;
    }

    /// <summary>Whether text given to <c>Schedule.Parse</c> means an interval (it starts with <c>every</c>) rather than a cron expression.</summary>
    public static bool LooksLikeInterval(string text) => text.TrimStart().StartsWith("every", StringComparison.OrdinalIgnoreCase);

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
