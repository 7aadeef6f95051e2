using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;
using TaskGen.Scheduling;
using TaskGen.Transport;

[assembly: TaskQueue(TaskGen.Benchmarks.EndToEnd.BeatBench.Queue)]

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// The scheduler on the broker: how late ticks arrive when many entries fall due at the same instant (as every
/// <c>0 * * * *</c> entry of a deployment does), and how long the schedule goes quiet when its leader goes away.
/// </summary>
internal static class BeatBench
{
    /// <summary>The option that selects this workload; it runs for minutes, so it is not part of the default run.</summary>
    public const string Name = "beat";

    /// <summary>The queue the ticks go to, read by the measuring consumer.</summary>
    public const string Queue = "bench.beat";

    /// <summary>The figures of one run.</summary>
    public sealed record BeatFigures(int Entries, double IntervalSeconds, double Minutes, int Ticks, int Duplicates, int Missing, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds, IReadOnlyList<double> FailoverGapsSeconds, int FailoverDuplicates, int FailoverMissing);

    /// <summary>Runs the lateness run, then the failovers.</summary>
    public static async Task<BeatFigures> RunAsync(string brokerUrl, int entries, TimeSpan interval, TimeSpan duration, int failovers)
    {
        (int ticks, int duplicates, int missing, double p50, double p99, double max) = await LatenessAsync(brokerUrl, entries, interval, duration);
        (List<double> gaps, int failoverDuplicates, int failoverMissing) = await FailoversAsync(brokerUrl, failovers);
        return new BeatFigures(entries, interval.TotalSeconds, duration.TotalMinutes, ticks, duplicates, missing, p50, p99, max, gaps, failoverDuplicates, failoverMissing);
    }

    /// <summary>Prints the figures as a table row set.</summary>
    public static void Print(BeatFigures f)
    {
        Console.WriteLine();
        Console.WriteLine("| entries | every | run | ticks | duplicates | missing | lateness p50 ms | p99 ms | max ms |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| {f.Entries:N0} | {f.IntervalSeconds:N0} s | {f.Minutes:N0} min | {f.Ticks:N0} | {f.Duplicates} | {f.Missing} | {f.P50Milliseconds:N1} | {f.P99Milliseconds:N1} | {f.MaxMilliseconds:N1} |");
        Console.WriteLine();
        Console.WriteLine($"failover gaps (leader stopped → next tick arrives), s: {string.Join(", ", f.FailoverGapsSeconds.Select(g => g.ToString("0.00", CultureInfo.InvariantCulture)))}; duplicates {f.FailoverDuplicates}, missing {f.FailoverMissing}");
    }

    private static async Task<(int, int, int, double, double, double)> LatenessAsync(string brokerUrl, int entries, TimeSpan interval, TimeSpan duration)
    {
        string schedule = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await using TaskApp scheduler = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.AddSchedule(s =>
            {
                for (int i = 0; i < entries; i++)
                {
                    s.Add($"{schedule}.{i}", Remote.BenchTasks.Add.Signature(i, 0), Schedule.Every(interval), new ScheduleEntryOptions { Queue = Queue });
                }
            });
        });
        await using Ticks ticks = await Ticks.StartAsync(brokerUrl);
        using var stop = new CancellationTokenSource();
        await using Beat beat = scheduler.CreateBeat(new SchedulerOptions { Name = schedule });
        Task running = beat.RunAsync(stop.Token);

        // The window starts at the first tick time after the scheduler leads, so the fence wait is not counted as lateness.
        while (!beat.IsLeader && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        DateTimeOffset from = NextTick(DateTimeOffset.UtcNow, interval);
        DateTimeOffset to = from + duration;
        Console.Write($"      {entries:N0} entries every {interval.TotalSeconds:N0} s until {to:HH:mm:ss} ... ");
        await Task.Delay(to - DateTimeOffset.UtcNow + interval);
        stop.Cancel();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.Delay(TimeSpan.FromSeconds(2));

        List<Ticks.Arrival> window = ticks.Arrivals.Where(a => a.Tick >= from && a.Tick < to).ToList();
        int duplicates = window.Count - window.Select(a => a.Id).Distinct().Count();
        int expected = entries * (int)Math.Round((to - from) / interval);
        int missing = expected - window.Select(a => a.Id).Distinct().Count();
        double[] lateness = window.Select(a => (a.Arrived - a.Tick).TotalMilliseconds).Order().ToArray();
        Console.WriteLine("done");
        return (window.Count, duplicates, missing, Percentile(lateness, 0.50), Percentile(lateness, 0.99), lateness.Length == 0 ? 0 : lateness[^1]);
    }

    private static async Task<(List<double>, int, int)> FailoversAsync(string brokerUrl, int failovers)
    {
        string schedule = "bench-failover-" + Guid.NewGuid().ToString("N")[..8];
        var options = new SchedulerOptions { Name = schedule };
        Func<TaskApp> create = () => TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.AddSchedule(s => s.Add(schedule, Remote.BenchTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromSeconds(1)), new ScheduleEntryOptions { Queue = Queue, Misfire = MisfirePolicy.RunAll }));
        });
        await using Ticks ticks = await Ticks.StartAsync(brokerUrl);
        var nodes = new List<(TaskApp App, Beat Beat, CancellationTokenSource Stop, Task Running)>();
        (TaskApp, Beat, CancellationTokenSource, Task) Start()
        {
            TaskApp app = create();
            Beat beat = app.CreateBeat(options);
            var stop = new CancellationTokenSource();
            return (app, beat, stop, beat.RunAsync(stop.Token));
        }

        nodes.Add(Start());
        nodes.Add(Start());
        var gaps = new List<double>();
        Console.Write($"      {failovers} failovers of a 1 s entry between two schedulers ... ");
        DateTimeOffset? first = null;
        for (int round = 0; round < failovers; round++)
        {
            int leader;
            while ((leader = nodes.FindIndex(n => n.Beat.IsLeader)) < 0)
            {
                await Task.Delay(20);
            }

            first ??= NextTick(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1));
            await Task.Delay(TimeSpan.FromSeconds(5));
            (TaskApp app, Beat beat, CancellationTokenSource stop, Task running) = nodes[leader];
            int before = ticks.Arrivals.Count;
            var stopped = Stopwatch.StartNew();

            // Its connections close with it, as the broker sees a killed process's.
            await app.DisposeAsync();
            stop.Cancel();
            while (ticks.Arrivals.Count == before)
            {
                await Task.Delay(5);
            }

            gaps.Add(stopped.Elapsed.TotalSeconds);
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            await beat.DisposeAsync();
            nodes[leader] = Start();
        }

        await Task.Delay(TimeSpan.FromSeconds(6));
        DateTimeOffset last = NextTick(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1)) - TimeSpan.FromSeconds(4);
        foreach ((TaskApp app, Beat beat, CancellationTokenSource stop, Task running) in nodes)
        {
            stop.Cancel();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            await beat.DisposeAsync();
            await app.DisposeAsync();
        }

        List<Ticks.Arrival> window = ticks.Arrivals.Where(a => a.Tick >= first && a.Tick < last).ToList();
        int duplicates = window.Count - window.Select(a => a.Id).Distinct().Count();
        int missing = (int)Math.Round((last - first!.Value).TotalSeconds) - window.Select(a => a.Tick).Distinct().Count();
        Console.WriteLine("done");
        return (gaps, duplicates, missing);
    }

    private static DateTimeOffset NextTick(DateTimeOffset now, TimeSpan interval) =>
        DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(((now - DateTimeOffset.UnixEpoch).Ticks / interval.Ticks + 1) * interval.Ticks);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>Reads the tick queue as it fills and notes, per message, its task id, tick time and arrival time.</summary>
    private sealed class Ticks : IAsyncDisposable
    {
        private readonly TaskApp _app;
        private readonly ConcurrentQueue<Arrival> _arrivals = new();
        private ITransportConsumer? _consumer;

        private Ticks(TaskApp app) => _app = app;

        public sealed record Arrival(string Id, DateTimeOffset Tick, DateTimeOffset Arrived);

        public IReadOnlyCollection<Arrival> Arrivals => _arrivals;

        public static async Task<Ticks> StartAsync(string brokerUrl)
        {
            var ticks = new Ticks(TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl));
            await ticks._app.Transport.DeclareQueueAsync(new QueueSpecification(Queue), default);
            await ticks._app.Transport.PurgeAsync(Queue, default);
            ticks._consumer = await ticks._app.Transport.ConsumeAsync(Queue, 2000, autoAck: true, delivery =>
            {
                DateTimeOffset arrived = DateTimeOffset.UtcNow;
                string? tick = Text(delivery.Message.Headers.TryGetValue("taskgen_tick", out object? t) ? t : null);
                string? id = Text(delivery.Message.Headers.TryGetValue("id", out object? i) ? i : null);
                int bar = tick?.LastIndexOf('|') ?? -1;
                if (id is not null && bar > 0 && DateTimeOffset.TryParse(tick![(bar + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
                {
                    ticks._arrivals.Enqueue(new Arrival(id, at, arrived));
                }

                return ValueTask.CompletedTask;
            }, default);
            return ticks;
        }

        public async ValueTask DisposeAsync()
        {
            if (_consumer is not null)
            {
                await _consumer.CancelAsync();
                await _consumer.DisposeAsync();
            }

            await _app.DisposeAsync();
        }

        private static string? Text(object? value) => value switch
        {
            string s => s,
            byte[] b => Encoding.UTF8.GetString(b),
            _ => value?.ToString(),
        };
    }
}
