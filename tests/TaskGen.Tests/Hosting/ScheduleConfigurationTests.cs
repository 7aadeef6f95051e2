using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using TaskGen.Hosting;
using TaskGen.Scheduling;
using TaskGen.Tests.EndToEnd;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// Schedule entries from <c>TaskGen:Schedule</c> and the scheduler's settings from <c>TaskGen:Scheduler</c>: what is
/// read, and that every problem of every entry is reported at once, one line each, naming the entry and the field.
/// </summary>
public sealed class ScheduleConfigurationTests
{
    private const string Add = "TaskGen.Tests.EndToEnd.TestTasks.Add";

    [Fact]
    public async Task EntriesFromConfigurationJoinThoseFromCodeWithEveryField()
    {
        await using TaskApp app = CreateApp(s => s.Add("code", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromMinutes(1))));
        IConfiguration configuration = Configuration(new()
        {
            ["TaskGen:Schedule:reports:Task"] = Add,
            ["TaskGen:Schedule:reports:Schedule"] = "30 6 * * 1-5",
            ["TaskGen:Schedule:reports:TimeZone"] = "Europe/Berlin",
            ["TaskGen:Schedule:reports:Args"] = "[2, 3]",
            ["TaskGen:Schedule:reports:Queue"] = "slow",
            ["TaskGen:Schedule:reports:Expires"] = "90",
            ["TaskGen:Schedule:reports:Priority"] = "7",
            ["TaskGen:Schedule:reports:Misfire"] = "skip",
            ["TaskGen:Schedule:reports:MisfireThreshold"] = "00:00:10",
            ["TaskGen:Schedule:greet:Task"] = "tests.greet",
            ["TaskGen:Schedule:greet:Schedule"] = "every 30 s",
            ["TaskGen:Schedule:greet:Args"] = "[\"Ada\"]",
            ["TaskGen:Schedule:greet:Kwargs"] = "{\"greeting\": \"Hi\"}",
        });

        IReadOnlyList<ScheduleEntry> entries = ScheduleConfiguration.ReadEntries(configuration, app);

        Assert.Equal(["code", "greet", "reports"], entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        ScheduleEntry reports = entries.Single(e => e.Name == "reports");
        Assert.Equal(Add, reports.Signature.Task.Name);
        Assert.Equal("Europe/Berlin", reports.Schedule.TimeZone.Id);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 6, 30, 0, TimeSpan.FromHours(1)), reports.Schedule.GetNextOccurrence(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal("slow", reports.Options.Queue);
        Assert.Equal(TimeSpan.FromSeconds(90), reports.Options.Expires);
        Assert.Equal((byte)7, reports.Options.Priority);
        Assert.Equal(MisfirePolicy.Skip, reports.Options.Misfire);
        Assert.Equal(TimeSpan.FromSeconds(10), reports.Options.MisfireThreshold);
        Assert.Equal("[2, 3]", Json(reports.Signature.Arguments.WriteArgs));

        ScheduleEntry greet = entries.Single(e => e.Name == "greet");
        Assert.Equal(MisfirePolicy.RunOnce, greet.Options.Misfire);
        Assert.Null(greet.Options.Queue);
        Assert.Equal("{\"greeting\": \"Hi\"}", Json(greet.Signature.Arguments.WriteKwargs));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 0, 0, 30, TimeSpan.Zero), greet.Schedule.GetNextOccurrence(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task EveryProblemOfEveryEntryIsOneLineNamingTheEntryAndTheField()
    {
        await using TaskApp app = CreateApp(s => s.Add("taken", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromMinutes(1))));
        IConfiguration configuration = Configuration(new()
        {
            ["TaskGen:Schedule:reports:Task"] = "Add",
            ["TaskGen:Schedule:reports:Schedule"] = "61 * * * *",
            ["TaskGen:Schedule:reports:TimeZone"] = "Mars/Base",
            ["TaskGen:Schedule:calc:Task"] = Add,
            ["TaskGen:Schedule:calc:Schedule"] = "every 5 m",
            ["TaskGen:Schedule:calc:Queue"] = "calk",
            ["TaskGen:Schedule:calc:Priority"] = "300",
            ["TaskGen:Schedule:calc:Misfire"] = "Sometimes",
            ["TaskGen:Schedule:calc:Quue"] = "slow",
            ["TaskGen:Schedule:fleet:Task"] = Add,
            ["TaskGen:Schedule:fleet:Schedule"] = "every 1 h",
            ["TaskGen:Schedule:fleet:Queue"] = "fleet",
            ["TaskGen:Schedule:fleet:Args"] = "[1,",
            ["TaskGen:Schedule:typed:Task"] = Add,
            ["TaskGen:Schedule:typed:Schedule"] = "every 1 h",
            ["TaskGen:Schedule:typed:Args:0"] = "2",
            ["TaskGen:Schedule:typed:Expires"] = "soon",
            ["TaskGen:Schedule:empty:TimeZone"] = "UTC",
            ["TaskGen:Schedule:taken:Task"] = Add,
            ["TaskGen:Schedule:taken:Schedule"] = "0 * * * *",
        });

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => ScheduleConfiguration.ReadEntries(configuration, app));

        string[] lines = refused.Message.Split(Environment.NewLine);
        Assert.All(lines, line => Assert.StartsWith("Schedule entry '", line, StringComparison.Ordinal));
        AssertLine(lines, "Schedule entry 'reports': Task: 'Add' is not a task this app knows; did you mean 'TaskGen.Tests.EndToEnd.TestTasks.Add'?");
        AssertLine(lines, "Schedule entry 'reports': TimeZone: 'Mars/Base' is not a known IANA time zone id");
        AssertLine(lines, "Schedule entry 'reports': Schedule: '61 * * * *' does not parse: ");
        AssertLine(lines, "Schedule entry 'calc': Queue: 'calk' is not a declared queue");
        AssertLine(lines, "Schedule entry 'calc': Priority: '300' is not a whole number from 0 to 255.");
        AssertLine(lines, "Schedule entry 'calc': Misfire: 'Sometimes' is not a misfire policy: use RunOnce (the default), RunAll or Skip.");
        AssertLine(lines, "Schedule entry 'calc': Quue: is not a schedule entry setting");
        AssertLine(lines, "Schedule entry 'fleet': Queue: 'fleet' is a broadcast queue");
        AssertLine(lines, "Schedule entry 'fleet': Args: '[1,' is not a JSON array");
        AssertLine(lines, "Schedule entry 'typed': Args: write the value as one JSON string, as the call command takes it");
        AssertLine(lines, "Schedule entry 'typed': Expires: 'soon' is not a duration");
        AssertLine(lines, "Schedule entry 'empty': Task: missing");
        AssertLine(lines, "Schedule entry 'empty': Schedule: missing");
        AssertLine(lines, "Schedule entry 'taken': the name is taken by an entry declared in code");
        Assert.Equal(14, lines.Length);
    }

    [Fact]
    public async Task AnIntervalWithATimeZoneIsRefusedSinceIntervalsCountInUtc()
    {
        await using TaskApp app = CreateApp();
        IConfiguration configuration = Configuration(new()
        {
            ["TaskGen:Schedule:tick:Task"] = Add,
            ["TaskGen:Schedule:tick:Schedule"] = "every 1 d",
            ["TaskGen:Schedule:tick:TimeZone"] = "Europe/Berlin",
        });

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => ScheduleConfiguration.ReadEntries(configuration, app));

        Assert.StartsWith("Schedule entry 'tick': TimeZone: 'Europe/Berlin' is given for the interval 'every 1 d'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACodeEntryTheSchedulerCannotSendIsReportedWithTheRest()
    {
        await using TaskApp app = CreateApp(s => s.Add("everyone", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromMinutes(1)), new ScheduleEntryOptions { Queue = "fleet" }));
        IConfiguration configuration = Configuration(new() { ["TaskGen:Schedule:bad:Task"] = "nope" });

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => ScheduleConfiguration.ReadEntries(configuration, app));

        string[] lines = refused.Message.Split(Environment.NewLine);
        AssertLine(lines, "Schedule entry 'bad': Task: 'nope' is not a task this app knows");
        AssertLine(lines, "Schedule entry 'everyone' sends task 'TaskGen.Tests.EndToEnd.TestTasks.Add' to broadcast queue 'fleet'");
    }

    [Fact]
    public void SchedulerSettingsAreReadInSecondsOrAsATimeSpanAndUnknownKeysAreRefused()
    {
        var options = new SchedulerOptions();
        ScheduleConfiguration.BindScheduler(
            Configuration(new()
            {
                ["TaskGen:Scheduler:Name"] = "reports",
                ["TaskGen:Scheduler:LeaseDuration"] = "5",
                ["TaskGen:Scheduler:FenceMargin"] = "00:00:00.500",
                ["TaskGen:Scheduler:Election"] = "redis",
            }),
            options);

        Assert.Equal("reports", options.Name);
        Assert.Equal(TimeSpan.FromSeconds(5), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.FenceMargin);
        Assert.Equal("redis", options.Election);

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => ScheduleConfiguration.BindScheduler(
            Configuration(new() { ["TaskGen:Scheduler:Lease"] = "5", ["TaskGen:Scheduler:FenceMargin"] = "-1" }),
            new SchedulerOptions()));
        Assert.Equal(
            [
                "TaskGen:Scheduler:FenceMargin '-1' is not a duration: give seconds (3) or a TimeSpan (00:00:03) that is not negative.",
                "TaskGen:Scheduler:Lease is not a scheduler setting: use Name, LeaseDuration, FenceMargin or Election.",
            ],
            refused.Message.Split(Environment.NewLine).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SchedulerSettingsAreCheckedTogether()
    {
        List<string> errors = ScheduleConfiguration.CheckScheduler(
            new SchedulerOptions { Name = " ", LeaseDuration = TimeSpan.Zero, FenceMargin = TimeSpan.FromSeconds(-1), Election = "zookeeper" },
            []);

        Assert.Equal(4, errors.Count);
        AssertLine([.. errors], "TaskGen:Scheduler:Name is empty");
        AssertLine([.. errors], "TaskGen:Scheduler:LeaseDuration must be positive, not 00:00:00");
        AssertLine([.. errors], "TaskGen:Scheduler:FenceMargin must not be negative");
        AssertLine([.. errors], "TaskGen:Scheduler:Election 'zookeeper' is not an election this app can hold: use broker (redis needs TaskGen.Redis");

        Assert.Empty(ScheduleConfiguration.CheckScheduler(new SchedulerOptions { Election = "redis" }, ["redis"]));
        Assert.Empty(ScheduleConfiguration.CheckScheduler(new SchedulerOptions { FenceMargin = TimeSpan.Zero }, []));
    }

    private static void AssertLine(string[] lines, string start) =>
        Assert.True(lines.Any(l => l.StartsWith(start, StringComparison.Ordinal)), $"No line starts with \"{start}\" in:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");

    private static TaskApp CreateApp(Action<ScheduleBuilder>? schedule = null) => new TaskAppBuilder(new TaskAppOptions { BrokerUrl = "memory://" + Guid.NewGuid().ToString("N") })
        .AddTaskGenTestsTasks()
        .AddSchedule(schedule ?? (_ => { }))
        .Build();

    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static string Json(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        using var stream = new System.IO.MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
