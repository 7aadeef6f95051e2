using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Cli;
using TaskGen.Protocol;
using TaskGen.Scheduling;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Hosting;
using TaskGen.Transport;

namespace TaskGen.Tests.Cli;

/// <summary>
/// <c>beat</c> and <c>schedule list</c> run in-process on a private <c>memory://</c> broker per test, with entries from
/// code (the program's configure callback) and from <c>--TaskGen:Schedule:...</c> settings.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class ScheduleCommandsTests
{
    private const string Add = "TaskGen.Tests.EndToEnd.TestTasks.Add";
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    private readonly string _broker = "memory://" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task ListPrintsEachEntryWithItsNextThreeRunsInItsZoneThenThatNobodyLeads()
    {
        (int code, string output, string error) = await RunAsync(
            ["schedule", "list", "--TaskGen:Schedule:reports:Task=" + Add, "--TaskGen:Schedule:reports:Schedule=0 6 * * *",
             "--TaskGen:Schedule:reports:TimeZone=Europe/Berlin", "--TaskGen:Schedule:reports:Args=[1, 2]", "--TaskGen:Schedule:reports:Misfire=RunAll"],
            b => b.AddTaskGenTestsTasks().AddSchedule(s => s.Add("tick", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromSeconds(30)), new ScheduleEntryOptions { Queue = "slow" })));

        Assert.True(code == 0, error);
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(
            @"^tick  TaskGen\.Tests\.EndToEnd\.TestTasks\.Add  schedule='every 30 s'  zone=UTC  misfire=RunOnce  queue=slow  next=(\d{4}-\d\d-\d\dT\d\d:\d\d:(00|30)\+00:00,?){3}$",
            lines[0]);
        Assert.Matches(
            @"^reports  TaskGen\.Tests\.EndToEnd\.TestTasks\.Add  schedule='0 6 \* \* \*'  zone=Europe/Berlin  misfire=RunAll  queue=celery  next=(\d{4}-\d\d-\d\dT06:00:00\+0[12]:00,?){3}$",
            lines[1]);
        Assert.Equal("2 entries in schedule celery; leader: no leader.", lines[2]);
    }

    [Fact]
    public async Task ListCountsRunsAcrossADaylightSavingChangeInTheEntrysZone()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = _broker);
        // The daily time in the spring-forward gap is the point of the test; TG0503 warns of exactly that.
#pragma warning disable TG0503
        var entry = new ScheduleEntry("night", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Cron("30 2 * * *", "Europe/Berlin"));
#pragma warning restore TG0503

        // Europe/Berlin springs forward at 02:00 on 2026-03-29: that day's 02:30 does not exist and runs at the change.
        string line = ScheduleCommands.Line(app, entry, new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));

        Assert.EndsWith("next=2026-03-28T02:30:00+01:00,2026-03-29T03:00:00+02:00,2026-03-30T02:30:00+02:00", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListShowsTheLeaderWhileABeatRunsInThisProcess()
    {
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = _broker;
            b.AddTaskGenTestsTasks().AddSchedule(s => s.Add("tick", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromHours(1))));
        });
        await using Beat beat = app.CreateBeat();
        using var stop = new CancellationTokenSource();
        Task running = beat.RunAsync(stop.Token);
        await WaitUntilAsync(() => beat.IsLeader);

        (int code, string output, _) = await RunAsync(["schedule", "list"], b => b.AddTaskGenTestsTasks());

        Assert.Equal(0, code);
        Assert.Matches($@"^No entries in schedule celery; leader: {Regex.Escape(beat.Node)} since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(epoch \d+\)\.$", output.Trim());

        // Another schedule's leader is its own.
        Assert.EndsWith("leader: no leader." + Environment.NewLine, (await RunAsync(["schedule", "list", "--scheduler-name", "other"], null)).Output, StringComparison.Ordinal);
        await stop.CancelAsync();
        await running.WaitAsync(Guard);
    }

    [Theory]
    [InlineData("schedule", "list")]
    [InlineData("beat")]
    public async Task AnInvalidConfigurationEntryIsOneErrorPerLineAndTheConfigurationExitCode(params string[] command)
    {
        (int code, string output, string error) = await RunAsync(
            [.. command, "--TaskGen:Schedule:reports:Task=RectArea", "--TaskGen:Schedule:reports:Schedule=61 * * * *",
             "--TaskGen:Schedule:reports:TimeZone=Mars/Base", "--TaskGen:Schedule:calc:Task=" + Add, "--TaskGen:Schedule:calc:Schedule=every 1 m",
             "--TaskGen:Schedule:calc:Queue=calk"],
            b => b.AddTaskGenTestsTasks());

        Assert.Equal(78, code);
        Assert.Equal(string.Empty, output);
        string[] lines = error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("Configuration error: Schedule entry 'calc': Queue: 'calk' is not a declared queue: use audit, celery, greetings, ledger, slow, or declare it with [assembly: TaskQueue(\"calk\")].", lines[0]);
        Assert.Contains("Schedule entry 'reports': Task: 'RectArea' is not a task this app knows", lines[1], StringComparison.Ordinal);
        Assert.Equal("Schedule entry 'reports': TimeZone: 'Mars/Base' is not a known IANA time zone id (e.g. Europe/Berlin, America/New_York, UTC).", lines[2]);
        Assert.StartsWith("Schedule entry 'reports': Schedule: '61 * * * *' does not parse: ", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedSchedulerSettingsAreAConfigurationError()
    {
        (int code, _, string error) = await RunAsync(["schedule", "list", "--election", "redis"], null);

        Assert.Equal(78, code);
        Assert.Contains("TaskGen:Scheduler:Election 'redis' is not an election this app can hold: use broker", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BeatSendsEachTickOnceWithItsDerivedIdUntilStopped()
    {
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        Task<int> beat = TaskAppHost.RunAsync(
            ["beat", "--broker", _broker, "--scheduler-name", "cli"],
            b => b.AddTaskGenTestsTasks().AddSchedule(s => s.Add("every-second", EndToEnd.Remote.TestTasks.Add.Signature(2, 2), Schedule.Every(TimeSpan.FromSeconds(1)))),
            output,
            error,
            stop.Token);

        // Three ticks seen on the broker, then the beat is stopped as a signal would.
        InMemoryBroker memory = InMemoryBroker.Named(_broker["memory://".Length..]);
        await WaitUntilAsync(() => beat.IsCompleted || memory.CountReady("celery") >= 3);
        await stop.CancelAsync();
        Assert.Equal(0, await beat.WaitAsync(Guard));

        Assert.Matches(@"^beat\.\d+@.+ ready: schedule cli, 1 entry, election broker, broker memory://\.$", output.ToString().TrimEnd());
        var transport = new InMemoryTransport(memory);
        var ids = new List<string>();
        await using (IQueueReader reader = await transport.OpenReaderAsync("celery", CancellationToken.None))
        {
            while (await reader.GetAsync(CancellationToken.None) is { } delivery)
            {
                TransportMessage message = delivery.Message;
                Assert.True(BeatTicks.TryParseHeader(message.Headers[BeatTicks.Header]?.ToString(), out string entry, out DateTimeOffset tick));
                Assert.Equal("every-second", entry);
                Assert.Equal(0, tick.Millisecond);
                Assert.Equal(BeatTicks.TaskId(entry, tick), message.Properties.CorrelationId);
                ids.Add(message.Properties.CorrelationId!);
                await delivery.AckAsync();
            }
        }

        Assert.True(ids.Count >= 3, $"{ids.Count} ticks");
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(new[] { "beat", "--election", "zk" }, "Option --election expects broker or redis (e.g. --election redis), not 'zk'.")]
    [InlineData(new[] { "beat", "--scheduler-name" }, "Option --scheduler-name needs a value: a schedule name (e.g. --scheduler-name celery).")]
    [InlineData(new[] { "beat", "-Q", "calc" }, "Unknown option '-Q' for beat.")]
    [InlineData(new[] { "schedule" }, "schedule needs a command: list.")]
    [InlineData(new[] { "schedule", "show" }, "Unknown command 'show' for schedule: use list.")]
    [InlineData(new[] { "schedule", "list", "extra" }, "Unexpected argument 'extra' for schedule list.")]
    public async Task UsageErrorsExit64(string[] args, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync(args, null, output, error, new CancellationToken(canceled: true));

        Assert.Equal(64, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            await Task.Delay(20, guard.Token);
        }
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] args, Action<TaskAppBuilder>? configure, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync([.. args, "--broker", _broker], configure, output, error, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
