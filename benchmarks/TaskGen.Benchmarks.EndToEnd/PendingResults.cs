using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

// The queue nobody consumes, so that every result sent to it stays pending.
[assembly: TaskQueue("bench.pending")]

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// What a producer pays for each result it waits for: tasks sent to a queue that no worker consumes, so every
/// result stays pending, in a producer process of its own per count (so that its memory starts from nothing).
/// </summary>
internal static class PendingResults
{
    /// <summary>The harness's mode that runs one producer; its one output line is the figures.</summary>
    public const string Mode = "pending-producer";

    private const string Queue = "bench.pending";

    /// <summary>A producer's memory with <paramref name="Pending"/> results pending, as deltas from before the first of them.</summary>
    /// <param name="Pending">Results pending.</param>
    /// <param name="PublishSeconds">Time to publish them all, each confirmed by the broker.</param>
    /// <param name="HeldHeapBytes">Managed heap after a full GC, with the results sent and held but nobody awaiting them.</param>
    /// <param name="AwaitedHeapBytes">Managed heap after a full GC, with a caller awaiting each result (<c>GetAsync()</c>).</param>
    /// <param name="HeldRssBytes">Resident memory, results held.</param>
    /// <param name="AwaitedRssBytes">Resident memory, results awaited.</param>
    public sealed record PendingFigures(int Pending, double PublishSeconds, long HeldHeapBytes, long AwaitedHeapBytes, long HeldRssBytes, long AwaitedRssBytes)
    {
        /// <summary>Managed heap per pending result, awaited.</summary>
        public double AwaitedHeapBytesPerResult => (double)AwaitedHeapBytes / Pending;

        /// <summary>Resident memory per pending result, awaited.</summary>
        public double AwaitedRssBytesPerResult => (double)AwaitedRssBytes / Pending;
    }

    /// <summary>One producer process per count; the queue is emptied after each and deleted at the end.</summary>
    public static async Task<IReadOnlyList<PendingFigures>> RunAsync(string brokerUrl, int[] counts)
    {
        await using TaskApp cleaner = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        var figures = new List<PendingFigures>();
        try
        {
            foreach (int count in counts)
            {
                var start = new ProcessStartInfo("dotnet", [typeof(PendingResults).Assembly.Location, Mode, brokerUrl, count.ToString(CultureInfo.InvariantCulture)])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using Process producer = Process.Start(start)!;
                Task<string> output = producer.StandardOutput.ReadToEndAsync();
                Task<string> errors = producer.StandardError.ReadToEndAsync();
                await producer.WaitForExitAsync();
                string line = (await output).Trim();
                if (producer.ExitCode != 0)
                {
                    throw new InvalidOperationException($"The pending-result producer failed (exit {producer.ExitCode}):\n{line}\n{await errors}");
                }

                long[] v = line.Split(' ').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                figures.Add(new PendingFigures(count, v[0] / 1000.0, v[1], v[2], v[3], v[4]));
                await cleaner.Transport.PurgeAsync(Queue, default);
                Console.Write($"{count:N0} ");
            }
        }
        finally
        {
            await ScaleCurves.DeleteQueuesAsync(brokerUrl, [Queue]);
        }

        return figures;
    }

    /// <summary>
    /// The producer: sends <c>count</c> tasks to the unconsumed queue, then prints publish milliseconds and the
    /// heap and RSS deltas, held and awaited, on one line.
    /// </summary>
    public static async Task<int> ProduceAsync(string brokerUrl, int count)
    {
        var app = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        var options = new TaskOptions { Queue = Queue };

        // The connection, the reply queue and the first-call costs are paid before the baseline.
        AsyncResult<int> first = await app.SendAsync(Remote.BenchTasks.Add.Signature(0, 0, options));
        (long heap, long rss) baseline = Measure();

        var results = new AsyncResult<int>[count];
        var window = new SemaphoreSlim(1_000);
        long started = Stopwatch.GetTimestamp();
        var sends = new Task[count];
        for (int i = 0; i < count; i++)
        {
            await window.WaitAsync();
            int index = i;
            sends[i] = SendAsync();
            async Task SendAsync()
            {
                try
                {
                    results[index] = await app.SendAsync(Remote.BenchTasks.Add.Signature(index, 1, options));
                }
                finally
                {
                    window.Release();
                }
            }
        }

        await Task.WhenAll(sends);
        long publishMilliseconds = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        sends = null!;
        (long heap, long rss) held = Measure();

        using var stop = new CancellationTokenSource();
        Task<int>[] waits = results.Select(r => r.GetAsync(cancellationToken: stop.Token)).ToArray();
        (long heap, long rss) awaited = Measure();

        Console.WriteLine(string.Join(' ', new[] { publishMilliseconds, held.heap - baseline.heap, awaited.heap - baseline.heap, held.rss - baseline.rss, awaited.rss - baseline.rss }.Select(v => v.ToString(CultureInfo.InvariantCulture))));
        GC.KeepAlive(first);
        GC.KeepAlive(results);
        GC.KeepAlive(waits);

        // Nothing will answer; the process ends here and the broker drops its reply queue with it.
        Environment.Exit(0);
        return 0;
    }

    private static (long Heap, long Rss) Measure()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        string line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        long rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return (GC.GetTotalMemory(forceFullCollection: false), rss);
    }
}
