using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Scheduling;

namespace TaskGen.IntegrationWorker;

/// <summary>
/// A scheduler process with one interval entry that sends <c>Add(1, 2)</c> to a queue, catching up every missed run:
/// the fault tests run several and kill the leader. It prints <c>beat started</c>, then <c>leading at TIME</c> and
/// <c>not leading at TIME</c> whenever that changes, so a test knows whom to kill.
/// </summary>
public static class BeatMode
{
    /// <summary>Runs the scheduler: <c>beat BROKER_URL SCHEDULE ENTRY INTERVAL_MS QUEUE [LEASE_MS FENCE_MS]</c>, until SIGTERM or a kill.</summary>
    /// <param name="args">The broker URL, the schedule's name, the entry's name, its interval, its queue, and optionally the lease and fence.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is not (5 or 7))
        {
            Console.Error.WriteLine("usage: beat BROKER_URL SCHEDULE ENTRY INTERVAL_MS QUEUE [LEASE_MS FENCE_MS]");
            return 64;
        }

        TimeSpan interval = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));
        var options = new SchedulerOptions { Name = args[1] };
        if (args.Length == 7)
        {
            options.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture));
            options.FenceMargin = TimeSpan.FromMilliseconds(int.Parse(args[6], CultureInfo.InvariantCulture));
        }

        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = args[0];
            b.AddTaskGenIntegrationWorkerTasks();
            b.AddSchedule(schedule => schedule.Add(
                args[2],
                Remote.Jobs.Add.Signature(1, 2, new TaskOptions { IgnoreResult = true }),
                Schedule.Every(interval),
                new ScheduleEntryOptions { Queue = args[4], Misfire = MisfirePolicy.RunAll }));
        });
        await using Beat beat = app.CreateBeat(options);

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Task running = beat.RunAsync(stop.Token);
        Console.WriteLine($"beat started {beat.Node}");

        bool leading = false;
        while (!running.IsCompleted)
        {
            if (beat.IsLeader != leading)
            {
                leading = !leading;
                Console.WriteLine($"{(leading ? "leading" : "not leading")} at {DateTimeOffset.UtcNow:O}");
            }

            await Task.WhenAny(running, Task.Delay(20));
        }

        await running;
        return 0;
    }
}
