using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// The scale curves (queues per worker, worker processes, pending results) and the native AOT worker under
/// load: run when named in <c>--only</c>, each timed, their tables printed, their figures kept for the JSON.
/// </summary>
internal static class ScaleWorkloads
{
    /// <summary>The workload names this class answers to in <c>--only</c>.</summary>
    public static readonly string[] Names = ["scale-queues", "scale-workers", "pending", "aot"];

    /// <summary>Everything the scale workloads measured; a workload not run is null.</summary>
    /// <param name="Queues">Round trips and worker memory against the queues one worker consumes.</param>
    /// <param name="Workers">Round trips and total memory against the worker processes on one queue.</param>
    /// <param name="Pending">Producer memory against the results it has pending.</param>
    /// <param name="Aot">The sample worker under the JIT and native AOT, under load.</param>
    /// <param name="Seconds">Wall time of each workload run, by name.</param>
    public sealed record ScaleFigures(
        IReadOnlyList<ScaleCurves.Point>? Queues,
        IReadOnlyList<ScaleCurves.Point>? Workers,
        IReadOnlyList<PendingResults.PendingFigures>? Pending,
        IReadOnlyList<AotWorker.AotFigures>? Aot,
        IReadOnlyDictionary<string, double> Seconds);

    /// <summary>Runs those of <see cref="Names"/> that <paramref name="only"/> holds; null when none.</summary>
    public static async Task<ScaleFigures?> RunAsync(ISet<string> only, string broker, IReadOnlyDictionary<string, string> options, int concurrency, int warmup, int footprintTasks)
    {
        if (!Names.Any(only.Contains))
        {
            return null;
        }

        int[] List(string name, string fallback) =>
            (options.GetValueOrDefault(name) ?? fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int scaleTasks = options.TryGetValue("--scale-tasks", out string? n) ? int.Parse(n, CultureInfo.InvariantCulture) : 20_000;
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);

        async Task<T?> Timed<T>(string name, Func<Task<T>> run)
            where T : class
        {
            if (!only.Contains(name))
            {
                return null;
            }

            Console.Write($"  {name,-13} ... ");
            long started = Stopwatch.GetTimestamp();
            T figures = await run();
            seconds[name] = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1);
            Console.WriteLine($"done in {seconds[name]:N1} s");
            return figures;
        }

        var figures = new ScaleFigures(
            await Timed("scale-queues", () => ScaleCurves.QueuesAsync(broker, List("--scale-queues", "1,10,100,1000"), scaleTasks, concurrency, warmup)),
            await Timed("scale-workers", () => ScaleCurves.WorkersAsync(broker, List("--scale-workers", "1,2,4,8"), scaleTasks, concurrency, warmup)),
            await Timed("pending", () => PendingResults.RunAsync(broker, List("--pending", "10000,100000"))),
            await Timed("aot", () => AotWorker.RunAsync(broker, options.GetValueOrDefault("--aot-worker"), 3, footprintTasks, concurrency, warmup)),
            seconds);
        Print(figures);
        return figures;
    }

    private static void Print(ScaleFigures figures)
    {
        foreach ((string title, IReadOnlyList<ScaleCurves.Point>? points) in new[] { ("queues", figures.Queues), ("workers", figures.Workers) })
        {
            if (points is null)
            {
                continue;
            }

            Console.WriteLine();
            Console.WriteLine($"| {title} | tasks | tasks/s | p99 ms | ready ms | RSS idle MB | RSS after MB | PSS after MB |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (ScaleCurves.Point p in points)
            {
                Console.WriteLine($"| {p.Count:N0} | {p.Tasks:N0} | {p.TasksPerSecond:N0} | {p.P99Milliseconds:N1} | {p.ReadyMilliseconds:N0} | {p.IdleRssMegabytes:N1} | {p.LoadedRssMegabytes:N1} | {p.LoadedPssMegabytes:N1} |");
            }
        }

        if (figures.Pending is { } pending)
        {
            Console.WriteLine();
            Console.WriteLine("| pending | publish s | heap held B/result | heap awaited B/result | RSS held B/result | RSS awaited B/result |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (PendingResults.PendingFigures p in pending)
            {
                Console.WriteLine($"| {p.Pending:N0} | {p.PublishSeconds:N1} | {(double)p.HeldHeapBytes / p.Pending:N0} | {p.AwaitedHeapBytesPerResult:N0} | {(double)p.HeldRssBytes / p.Pending:N0} | {p.AwaitedRssBytesPerResult:N0} |");
            }
        }

        if (figures.Aot is { } aot)
        {
            Console.WriteLine();
            Console.WriteLine("| worker | ready ms (median) | RSS idle MB | tasks | tasks/s | p99 ms | RSS after MB |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (AotWorker.AotFigures a in aot)
            {
                Console.WriteLine($"| {a.Worker} | {a.ReadyMilliseconds:N0} | {a.IdleRssMegabytes:N1} | {a.Tasks:N0} | {a.TasksPerSecond:N0} | {a.P99Milliseconds:N1} | {a.LoadedRssMegabytes:N1} |");
            }
        }
    }
}
