using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TaskGen.Diagnostics;
using TaskGen.Scheduling;
using TaskGen.Serialization;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>
/// Reads schedule entries from <c>TaskGen:Schedule</c> (one child per entry name) and <see cref="SchedulerOptions"/>
/// from <c>TaskGen:Scheduler</c>, and checks both: every problem of every entry is reported at once, one line each,
/// naming the entry and the field, so that a start with a bad schedule fails once rather than once per typo.
/// </summary>
/// <remarks>
/// By hand rather than through the binder: an entry's fields need the app (is the task known, is the queue
/// declared), and a typo'd key in an entry is better refused than silently left at its default.
/// </remarks>
internal static class ScheduleConfiguration
{
    /// <summary>The subsection of <c>TaskGen</c> that holds one section per schedule entry.</summary>
    internal const string ScheduleSectionName = "Schedule";

    /// <summary>The subsection of <c>TaskGen</c> that holds <see cref="SchedulerOptions"/>.</summary>
    internal const string SchedulerSectionName = "Scheduler";

    /// <summary>The election every app can hold: on its own broker.</summary>
    internal const string BrokerElection = "broker";

    private const string EntryFields = "Task, Schedule, TimeZone, Args, Kwargs, Queue, Expires, Priority, Misfire or MisfireThreshold";

    /// <summary>The configuration path of the schedule entries, <c>TaskGen:Schedule</c>.</summary>
    internal static string SchedulePath => ConfigurationPath.Combine(TaskAppOptions.SectionName, ScheduleSectionName);

    /// <summary>The configuration path of the scheduler's options, <c>TaskGen:Scheduler</c>.</summary>
    internal static string SchedulerPath => ConfigurationPath.Combine(TaskAppOptions.SectionName, SchedulerSectionName);

    /// <summary>
    /// Returns the app's entries from code (<c>AddSchedule</c>, <c>[Periodic]</c>) followed by those of the
    /// <c>TaskGen:Schedule</c> section of <paramref name="configuration"/>.
    /// </summary>
    /// <param name="configuration">The configuration; null when there is none.</param>
    /// <param name="app">The app whose tasks and queues the entries name.</param>
    /// <exception cref="TaskAppConfigurationException">Any entry is refused; the message has one line per problem.</exception>
    public static IReadOnlyList<ScheduleEntry> ReadEntries(IConfiguration? configuration, TaskApp app)
    {
        var entries = new List<ScheduleEntry>(app.ScheduleEntries);
        var errors = new List<string>();
        if (configuration is not null)
        {
            foreach (IConfigurationSection section in configuration.GetSection(SchedulePath).GetChildren())
            {
                if (ReadEntry(section, app, errors) is not { } entry)
                {
                    continue;
                }

                // Each tick's task id and stored state are keyed by the name, so two entries of one name would share them.
                if (entries.Exists(e => string.Equals(e.Name, entry.Name, StringComparison.Ordinal)))
                {
                    errors.Add($"Schedule entry '{LogText.Escape(entry.Name)}': the name is taken by an entry declared in code; entry names must be unique, since each run's task id is derived from the name.");
                    continue;
                }

                entries.Add(entry);
            }
        }

        // What the scheduler refuses of any entry, from code too (a broadcast queue, an undeclared one), fails the start
        // with the rest rather than the first run.
        foreach (ScheduleEntry entry in entries)
        {
            if (app.ScheduleEntryProblem(entry) is { } problem)
            {
                errors.Add(problem);
            }
        }

        if (errors.Count > 0)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, errors));
        }

        return entries;
    }

    /// <summary>
    /// Copies the settings present in <c>TaskGen:Scheduler</c> onto <paramref name="options"/>: <c>Name</c>,
    /// <c>LeaseDuration</c>, <c>FenceMargin</c> (seconds or a TimeSpan) and <c>Election</c>.
    /// </summary>
    /// <exception cref="TaskAppConfigurationException">A key is not a scheduler setting, or a value is not of its type; every one is named.</exception>
    public static void BindScheduler(IConfiguration configuration, SchedulerOptions options)
    {
        IConfigurationSection section = configuration.GetSection(SchedulerPath);
        var errors = new List<string>();
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            string? value = setting.Value?.Trim();
            switch (setting.Key)
            {
                case var key when key.Equals(nameof(SchedulerOptions.Name), StringComparison.OrdinalIgnoreCase):
                    options.Name = value ?? options.Name;
                    break;
                case var key when key.Equals(nameof(SchedulerOptions.Election), StringComparison.OrdinalIgnoreCase):
                    options.Election = value ?? options.Election;
                    break;
                case var key when key.Equals(nameof(SchedulerOptions.LeaseDuration), StringComparison.OrdinalIgnoreCase):
                    options.LeaseDuration = ReadDuration(setting, value, errors) ?? options.LeaseDuration;
                    break;
                case var key when key.Equals(nameof(SchedulerOptions.FenceMargin), StringComparison.OrdinalIgnoreCase):
                    options.FenceMargin = ReadDuration(setting, value, errors) ?? options.FenceMargin;
                    break;
                default:
                    errors.Add($"{setting.Path} is not a scheduler setting: use Name, LeaseDuration, FenceMargin or Election.");
                    break;
            }
        }

        if (errors.Count > 0)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>
    /// Checks <paramref name="options"/> once configuration and code have set them, naming each setting as configuration
    /// spells it; the election must be one <paramref name="elections"/> can hold.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="elections">The elections packages registered, besides the broker's; null when the app is not known yet.</param>
    public static List<string> CheckScheduler(SchedulerOptions options, IEnumerable<string>? elections)
    {
        string path = SchedulerPath;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            errors.Add($"{path}:{nameof(SchedulerOptions.Name)} is empty: every scheduler process of one schedule uses the same name (celery by default).");
        }
        else if (options.Name.Length > ScheduleEntry.MaxNameLength || options.Name.Any(char.IsControl))
        {
            errors.Add($"{path}:{nameof(SchedulerOptions.Name)} '{LogText.Escape(options.Name)}' cannot name broker queues: use at most {ScheduleEntry.MaxNameLength} printable characters.");
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            errors.Add($"{path}:{nameof(SchedulerOptions.LeaseDuration)} must be positive, not {options.LeaseDuration}: it is how long a leader may send after it last proved it leads.");
        }

        if (options.FenceMargin < TimeSpan.Zero)
        {
            errors.Add($"{path}:{nameof(SchedulerOptions.FenceMargin)} must not be negative, not {options.FenceMargin}.");
        }

        string[] known = [BrokerElection, .. (elections ?? []).Where(e => !e.Equals(BrokerElection, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
        if (elections is not null && !known.Contains(options.Election ?? string.Empty, StringComparer.OrdinalIgnoreCase))
        {
            string hint = known.Length == 1 ? " (redis needs TaskGen.Redis: add AddRedisResults() to the app)" : string.Empty;
            errors.Add($"{path}:{nameof(SchedulerOptions.Election)} '{LogText.Escape(options.Election)}' is not an election this app can hold: use {string.Join(" or ", known)}{hint}.");
        }

        return errors;
    }

    private static ScheduleEntry? ReadEntry(IConfigurationSection section, TaskApp app, List<string> errors)
    {
        string name = section.Key;
        string prefix = $"Schedule entry '{LogText.Escape(name)}': ";
        int before = errors.Count;
        void Fail(string field, string why) => errors.Add($"{prefix}{field}: {why}");

        string? task = null, scheduleText = null, zone = null, args = null, kwargs = null, queue = null;
        var options = new ScheduleEntryOptions();
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            string key = setting.Key;
            string? value = setting.Value?.Trim();
            if (value is null && setting.GetChildren().Any())
            {
                // Configuration flattens a JSON array or object into keys and loses the types of its values (2 or "2").
                Fail(key, key is "Args" or "Kwargs"
                    ? $"write the value as one JSON string, as the call command takes it (e.g. \"{key}\": \"{(key == "Args" ? "[2, 2]" : "{\\\"r\\\": 2}")}\"): configuration would lose the types of its items."
                    : "is a section; give a single value.");
                continue;
            }

            switch (key)
            {
                case var k when k.Equals("Task", StringComparison.OrdinalIgnoreCase):
                    task = value;
                    break;
                case var k when k.Equals("Schedule", StringComparison.OrdinalIgnoreCase):
                    scheduleText = value;
                    break;
                case var k when k.Equals("TimeZone", StringComparison.OrdinalIgnoreCase):
                    zone = string.IsNullOrEmpty(value) ? null : value;
                    break;
                case var k when k.Equals("Args", StringComparison.OrdinalIgnoreCase):
                    args = value;
                    break;
                case var k when k.Equals("Kwargs", StringComparison.OrdinalIgnoreCase):
                    kwargs = value;
                    break;
                case var k when k.Equals(nameof(ScheduleEntryOptions.Queue), StringComparison.OrdinalIgnoreCase):
                    queue = string.IsNullOrEmpty(value) ? null : value;
                    break;
                case var k when k.Equals(nameof(ScheduleEntryOptions.Expires), StringComparison.OrdinalIgnoreCase):
                    if (value is not null)
                    {
                        options.Expires = Duration(value, nameof(ScheduleEntryOptions.Expires)) ?? options.Expires;
                    }

                    break;
                case var k when k.Equals(nameof(ScheduleEntryOptions.MisfireThreshold), StringComparison.OrdinalIgnoreCase):
                    if (value is not null)
                    {
                        options.MisfireThreshold = Duration(value, nameof(ScheduleEntryOptions.MisfireThreshold)) ?? options.MisfireThreshold;
                    }

                    break;
                case var k when k.Equals(nameof(ScheduleEntryOptions.Priority), StringComparison.OrdinalIgnoreCase):
                    if (byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out byte priority))
                    {
                        options.Priority = priority;
                    }
                    else
                    {
                        Fail(nameof(ScheduleEntryOptions.Priority), $"'{LogText.Escape(value)}' is not a whole number from 0 to 255.");
                    }

                    break;
                case var k when k.Equals(nameof(ScheduleEntryOptions.Misfire), StringComparison.OrdinalIgnoreCase):
                    if (Enum.TryParse(value, ignoreCase: true, out MisfirePolicy misfire) && Enum.IsDefined(misfire) && !int.TryParse(value, out _))
                    {
                        options.Misfire = misfire;
                    }
                    else
                    {
                        Fail(nameof(ScheduleEntryOptions.Misfire), $"'{LogText.Escape(value)}' is not a misfire policy: use RunOnce (the default), RunAll or Skip.");
                    }

                    break;
                default:
                    Fail(LogText.Escape(key), $"is not a schedule entry setting: use {EntryFields}.");
                    break;
            }
        }

        TimeSpan? Duration(string value, string field)
        {
            if (TaskAppConfiguration.TryParseDuration(value, out TimeSpan duration))
            {
                return duration;
            }

            Fail(field, $"'{LogText.Escape(value)}' is not a duration: give seconds (30) or a TimeSpan (00:00:30) that is not negative.");
            return null;
        }

        TaskDefinition? definition = null;
        if (string.IsNullOrEmpty(task))
        {
            Fail("Task", "missing: name the task each run sends (e.g. \"Task\": \"CeleryApp.Tasks.Geometry.RectArea\").");
        }
        else if (!app.Tasks.TryGet(task, out _, out definition))
        {
            Fail("Task", $"'{LogText.Escape(task)}' is not a task this app knows{Suggest(task, app.Tasks.TaskNames)}");
        }

        Schedule? schedule = ReadSchedule(scheduleText, zone, Fail);
        RawJsonArguments? arguments = null;
        try
        {
            arguments = new RawJsonArguments(args, kwargs);
        }
        catch (ArgumentException ex)
        {
            // RawJsonArguments names its parameter: args or kwargs.
            Fail(ex.ParamName == "kwargs" ? "Kwargs" : "Args", ex.ParamName == "kwargs"
                ? $"'{LogText.Escape(kwargs)}' is not a JSON object (e.g. \"{{\\\"r\\\": 2}}\")."
                : $"'{LogText.Escape(args)}' is not a JSON array (e.g. \"[2, 2]\").");
        }

        if (queue is not null)
        {
            CheckQueue(app, queue, Fail);
            options.Queue = queue;
        }

        if (errors.Count > before || definition is null || schedule is null || arguments is null)
        {
            return null;
        }

        try
        {
            Signature call = CallByName.Create(definition.Name, definition.Queue, arguments, queue is null ? null : new TaskOptions { Queue = queue });
            return new ScheduleEntry(name, call, schedule, options);
        }
        catch (ArgumentException ex)
        {
            errors.Add(prefix + ex.Message);
            return null;
        }
    }

    private static Schedule? ReadSchedule(string? text, string? zone, Action<string, string> fail)
    {
        bool zoneKnown = true;
        if (zone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            fail("TimeZone", $"'{LogText.Escape(zone)}' is not a known IANA time zone id (e.g. Europe/Berlin, America/New_York, UTC).");
            zoneKnown = false;
        }

        if (string.IsNullOrEmpty(text))
        {
            fail("Schedule", "missing: give a cron expression (\"0 6 * * *\") or an interval (\"every 30 s\").");
            return null;
        }

        try
        {
            // A zone that is not known is reported above; the expression is still checked, in UTC.
            Schedule schedule = Schedule.Parse(text, zoneKnown ? zone : null);
            if (zone is not null && zoneKnown && schedule is IntervalSchedule)
            {
                fail("TimeZone", $"'{LogText.Escape(zone)}' is given for the interval '{LogText.Escape(text)}', which counts from the Unix epoch in UTC in every zone: remove TimeZone, or use a cron expression.");
                return null;
            }

            return zoneKnown ? schedule : null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or TimeZoneNotFoundException)
        {
            string written = ex is TimeZoneNotFoundException ? zone! : text;
            string echo = $"'{written}' does not parse: ";

            // The parser's message may name the text already; it is named once, at the front.
            string why = ex.Message.IndexOf(echo, StringComparison.Ordinal) is var at and >= 0 ? ex.Message[(at + echo.Length)..] : ex.Message;
            fail(ex is TimeZoneNotFoundException ? "TimeZone" : "Schedule", $"'{LogText.Escape(written)}' does not parse: {why}");
            return null;
        }
    }

    private static void CheckQueue(TaskApp app, string queue, Action<string, string> fail)
    {
        QueueDeclaration declaration;
        try
        {
            // The same rule as any call: a queue an assembly declares, the default queue, or any with TaskCreateMissingQueues.
            declaration = app.Router.ResolveQueue(queue);
        }
        catch (TaskRoutingException)
        {
            string[] declared = app.Tasks.Queues.Where(q => !q.Broadcast).Select(q => q.Name).Append(app.Options.TaskDefaultQueue).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            fail(nameof(ScheduleEntryOptions.Queue), $"'{LogText.Escape(queue)}' is not a declared queue: use {string.Join(", ", declared)}, or declare it with [assembly: TaskQueue(\"{LogText.Escape(queue)}\")].");
            return;
        }

        if (declaration.Broadcast)
        {
            fail(nameof(ScheduleEntryOptions.Queue), $"'{LogText.Escape(queue)}' is a broadcast queue, and a schedule entry cannot send to one: each tick is recorded by the publish that sends it, which a broadcast cannot carry.");
        }
    }

    /// <summary>"; did you mean 'x'?" for the task names close to <paramref name="given"/>, or a pointer to the list.</summary>
    private static string Suggest(string given, IReadOnlyList<string> names)
    {
        string last = given[(given.LastIndexOf('.') + 1)..];
        string[] close = names.Where(n => n.Equals(given, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (close.Length == 0)
        {
            // A name written without its namespace, as the method reads in code.
            close = names.Where(n => n.EndsWith("." + given, StringComparison.OrdinalIgnoreCase) || n.EndsWith("." + last, StringComparison.OrdinalIgnoreCase)).ToArray();
        }

        if (close.Length == 0)
        {
            int most = Math.Max(2, given.Length / 5);
            close = names.Select(n => (Name: n, Distance: NameDistance.Of(given, n)))
                .Where(c => c.Distance <= most)
                .OrderBy(c => c.Distance)
                .Select(c => c.Name)
                .ToArray();
        }

        return close.Length switch
        {
            0 => names.Count == 0 ? "; the app registers no tasks." : ": give the name a task is registered under (inspect registered lists them).",
            _ => $"; did you mean {string.Join(" or ", close.Take(3).Select(n => $"'{n}'"))}?",
        };
    }


    private static TimeSpan? ReadDuration(IConfigurationSection setting, string? value, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (TaskAppConfiguration.TryParseDuration(value, out TimeSpan duration))
        {
            return duration;
        }

        errors.Add($"{setting.Path} '{LogText.Escape(value)}' is not a duration: give seconds (3) or a TimeSpan (00:00:03) that is not negative.");
        return null;
    }
}
