using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Scheduling;
using Py = TaskGen.Interop.Tests.Remote.PythonTasks;

namespace TaskGen.Interop.Tests;

/// <summary>A TaskGen scheduler drives a Python Celery task: its ticks are ordinary task messages a Celery worker runs.</summary>
public sealed partial class BeatInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const int Ticks = 3;

    [CeleryTheory]
    public async Task ATaskGenBeatSendsTicksThatACeleryWorkerRunsEachOnceUnderItsTicksTaskId(string celery)
    {
        string node = "pybeat" + celery.Replace(".", string.Empty, StringComparison.Ordinal);
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", node + "@%h");
        string entry = "interop.add." + Guid.NewGuid().ToString("N")[..8];
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.AddTaskGenInteropTestsTasks();
            b.AddSchedule(schedule => schedule.Add(entry, Py.Add.Signature(20, 22), Schedule.Every(TimeSpan.FromSeconds(1))));
        });
        await using Beat beat = app.CreateBeat(new SchedulerOptions { Name = "interop-" + Guid.NewGuid().ToString("N")[..8], LeaseDuration = TimeSpan.FromSeconds(1), FenceMargin = TimeSpan.FromSeconds(0.5) });

        DateTimeOffset started = DateTimeOffset.UtcNow;
        using var stop = new CancellationTokenSource();
        Task running = beat.RunAsync(stop.Token);
        try
        {
            await python.WaitForLineAsync(_ => Succeeded(python).Count >= Ticks, $"the Celery {celery} worker to run {Ticks} ticks");
        }
        finally
        {
            stop.Cancel();
            await running.WaitAsync(Guard);
        }

        // Every run is a tick of the entry under the tick's own task id, and no tick ran twice.
        DateTimeOffset ended = DateTimeOffset.UtcNow;
        var ids = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (DateTimeOffset second = Whole(started).AddSeconds(-2); second <= ended.AddSeconds(1); second = second.AddSeconds(1))
        {
            ids[BeatTicks.TaskId(entry, second)] = second;
        }

        List<(string Id, string Result)> runs = Succeeded(python);
        Assert.True(runs.Count >= Ticks, string.Join("\n", python.Lines));
        Assert.All(runs, run => Assert.True(ids.ContainsKey(run.Id), $"task {run.Id} is not a tick of {entry}"));
        Assert.All(runs, run => Assert.Equal("42", run.Result));
        Assert.Equal(runs.Count, runs.Select(run => run.Id).Distinct(StringComparer.Ordinal).Count());
    }

    private static DateTimeOffset Whole(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    // "Task tasks.add[<id>] succeeded in 0.001s: 42", as Celery 5.2 and 5.6 log every run at info.
    private static List<(string Id, string Result)> Succeeded(ProgramProcess worker) =>
        worker.Lines.Select(line => SucceededLine().Match(line)).Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    [GeneratedRegex(@"Task tasks\.add\[([0-9a-f-]{36})\] succeeded in [0-9.e-]+s: (\S+)")]
    private static partial Regex SucceededLine();
}
