using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Hosting;
using TaskGen.Scheduling;

namespace TaskGen.Cli;

/// <summary>The <c>beat</c> and <c>schedule list</c> commands.</summary>
internal static class ScheduleCommands
{
    /// <summary>How many run times <c>schedule list</c> shows per entry.</summary>
    public const int NextRuns = 3;

    /// <summary>
    /// Runs the beat command inside the Generic Host, as <c>AddScheduler()</c> runs one in any app: its entries and
    /// settings are checked before it starts (exit 78 naming every problem), it prints a ready line, and SIGTERM or
    /// Ctrl-C stop it through the host, a leader stopping its sends at once.
    /// </summary>
    public static async Task<int> RunBeatHostAsync(
        Func<IConfiguration> load,
        Action<SchedulerOptions> configureScheduler,
        LogLevel level,
        string? option,
        Action<TaskAppBuilder>? configure,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        // The same sources, in the same order, as every other command: appsettings.json, environment, --TaskGen: arguments.
        IConfiguration configuration = load();
        builder.Configuration.AddConfiguration(configuration);
        string? broker = CommandLineBroker.Resolve(option, configuration);
        builder.Logging.ClearProviders().SetMinimumLevel(level).AddProvider(new CeleryConsoleLoggerProvider(level));
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // A refused entry or setting is printed once, as the configuration error below, not again as the host's start failure.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Services.Configure<ConsoleLifetimeOptions>(static o => o.SuppressStatusMessages = true);
        builder.Services.AddSystemd();
        builder.Services.AddTaskGen(
            o =>
            {
                if (broker is not null)
                {
                    o.BrokerUrl = broker;
                }
            },
            configure).AddScheduler();

        // After AddScheduler's binding, so that the command's options win over configuration.
        builder.Services.Configure(configureScheduler);

        IHost host;
        try
        {
            host = builder.Build();
        }
        catch (Exception ex) when (TaskAppHost.Failure(ex) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }

        using IHost started = host;
        TaskApp app;
        try
        {
            // Celery's default broker, named before connecting to it, as the worker does.
            app = host.Services.GetRequiredService<TaskApp>();
            if (CommandLineBroker.Banner(app, option, configuration) is { } banner)
            {
                await output.WriteLineAsync(banner).ConfigureAwait(false);
            }

            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TaskAppHost.Failure(ex) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }

        TaskSchedulerService service = host.Services.GetRequiredService<TaskSchedulerService>();
        Beat beat = service.Beat!;
        await output.WriteLineAsync(
            $"{beat.Node} ready: schedule {beat.Options.Name}, {Count(beat.Entries.Count, "entry", "entries")}, election {beat.Options.Election}, broker {app.Transport.Description}.").ConfigureAwait(false);
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (service.Fault is { } fault)
        {
            await error.WriteLineAsync($"{beat.Node} stopped: {fault.Message}").ConfigureAwait(false);
            return TaskWorkerService.FaultedExitCode;
        }

        return 0;
    }

    /// <summary>
    /// Prints one line per entry (name, task, schedule, zone, misfire policy, queue, next run times in the entry's zone
    /// as ISO-8601 with offset), then the schedule's leader as its election reports it.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <param name="configuration">The configuration whose <c>TaskGen:Schedule</c> entries join the app's own.</param>
    /// <param name="options">The scheduler settings: whose leader to read, and where.</param>
    /// <param name="now">The instant the run times are counted from.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Cancels reading the leader.</param>
    /// <exception cref="TaskAppConfigurationException">An entry or setting is refused; every problem is listed.</exception>
    public static async Task<int> ListAsync(TaskApp app, IConfiguration configuration, SchedulerOptions options, DateTimeOffset now, TextWriter output, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleEntry> entries = ScheduleConfiguration.ReadEntries(configuration, app);
        if (ScheduleConfiguration.CheckScheduler(options, app.BeatElections.Keys) is { Count: > 0 } refused)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, refused));
        }

        foreach (ScheduleEntry entry in entries)
        {
            await output.WriteLineAsync(Line(app, entry, now)).ConfigureAwait(false);
        }

        (IBeatElection election, IBeatState state) = BeatStores.Create(app, options, TimeProvider.System);
        BeatLeaderInfo? leader;
        try
        {
            leader = await election.ReadLeaderAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await election.DisposeAsync().ConfigureAwait(false);
            await state.DisposeAsync().ConfigureAwait(false);
        }

        string leads = leader is null
            ? "no leader"
            : $"{LogText.Escape(leader.Node)} since {leader.Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} (epoch {leader.Epoch})";
        string count = entries.Count == 0 ? "No entries" : Count(entries.Count, "entry", "entries");
        await output.WriteLineAsync($"{count} in schedule {options.Name}; leader: {leads}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>One entry as <c>schedule list</c> prints it.</summary>
    internal static string Line(TaskApp app, ScheduleEntry entry, DateTimeOffset now)
    {
        Schedule schedule = entry.Schedule;
        var next = new List<string>(NextRuns);
        DateTimeOffset after = now;
        for (int i = 0; i < NextRuns && schedule.GetNextOccurrence(after) is { } run; i++)
        {
            next.Add(TimeZoneInfo.ConvertTime(run, schedule.TimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            after = run;
        }

        return string.Join(
            "  ",
            LogText.Escape(entry.Name),
            entry.Signature.Task.Name,
            "schedule=" + Written(schedule),
            "zone=" + schedule.TimeZone.Id,
            "misfire=" + entry.Options.Misfire,
            "queue=" + QueueOf(app, entry),
            "next=" + (next.Count == 0 ? "none" : string.Join(",", next)));
    }

    /// <summary>The schedule as configuration writes it: the cron expression, or <c>every 30 s</c> in its largest whole unit.</summary>
    internal static string Written(Schedule schedule) => schedule switch
    {
        CronSchedule cron => $"'{cron.Expression}'",
        IntervalSchedule { Interval: var every } when every.Ticks % TimeSpan.TicksPerDay == 0 => $"'every {every.Ticks / TimeSpan.TicksPerDay} d'",
        IntervalSchedule { Interval: var every } when every.Ticks % TimeSpan.TicksPerHour == 0 => $"'every {every.Ticks / TimeSpan.TicksPerHour} h'",
        IntervalSchedule { Interval: var every } when every.Ticks % TimeSpan.TicksPerMinute == 0 => $"'every {every.Ticks / TimeSpan.TicksPerMinute} m'",
        IntervalSchedule { Interval: var every } => $"'every {every.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s'",
        _ => schedule.ToString(),
    };

    /// <summary>Where a run goes, in the order a send decides it: the entry's queue, the call's, a route, the task's own, the default.</summary>
    internal static string QueueOf(TaskApp app, ScheduleEntry entry)
    {
        TaskDescriptor task = entry.Signature.Task;
        return entry.Options.Queue
            ?? entry.Signature.Options?.Queue
            ?? app.Router.Route(task.Name)
            ?? (string.IsNullOrEmpty(task.Queue) ? app.Options.TaskDefaultQueue : task.Queue);
    }

    private static string Count(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";
}
