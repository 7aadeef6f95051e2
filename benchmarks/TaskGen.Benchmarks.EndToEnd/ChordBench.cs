using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// One chord per size, header of squares and a body that adds them, on the same broker and Redis: the time from the
/// first send to the body's result, and the worker's peak memory (its process tree, sampled) while it runs the chord.
/// </summary>
internal static class ChordBench
{
    /// <summary>The option that selects this workload; it needs Redis, so it is not part of the default run.</summary>
    public const string Name = "chord";

    /// <summary>The figures of one chord.</summary>
    public sealed record ChordFigures(string Contender, int Parts, double Seconds, double WorkerPeakRssMegabytes);

    /// <summary>Runs a chord of each size in <paramref name="sizes"/> on TaskGen, then on Celery when it is there.</summary>
    public static async Task<List<ChordFigures>> RunAsync(string brokerUrl, string redisUrl, IReadOnlyList<int> sizes, int concurrency)
    {
        var figures = new List<ChordFigures>();
        foreach (int parts in sizes)
        {
            figures.Add(await TaskGenAsync(brokerUrl, redisUrl, parts, concurrency));
            Print(figures[^1]);
        }

        if (CeleryRoundTrip.IsAvailable(CeleryRoundTrip.Current))
        {
            foreach (int parts in sizes)
            {
                figures.Add(await CeleryAsync(brokerUrl, redisUrl, parts));
                Print(figures[^1]);
            }
        }
        else
        {
            Console.WriteLine("    celery 5.6.3 skipped: it does not import here");
        }

        return figures;
    }

    private static void Print(ChordFigures f) =>
        Console.WriteLine($"    {f.Contender,-14} {f.Parts,7:N0} parts: body result after {f.Seconds,8:N2} s, worker peak RSS {f.WorkerPeakRssMegabytes,7:N1} MB");

    private static async Task<ChordFigures> TaskGenAsync(string brokerUrl, string redisUrl, int parts, int concurrency)
    {
        await using TaskApp producer = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.Options.ResultBackend = redisUrl;
            b.AddRedisResults();
        });
        await producer.Transport.PurgeAsync("bench.chord", default);
        await using WorkerProcess worker = await WorkerProcess.StartAsync("dotnet", [typeof(ChordBench).Assembly.Location, "worker", "-Q", "bench.chord", "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-n", "bench-chord@%h", "--broker", brokerUrl, "--TaskGen:ResultBackend=" + redisUrl]);
        using var peak = new PeakMemory(worker.Id);
        long started = Stopwatch.GetTimestamp();
        TaskGroup<long> header = TaskGroup.Of(Enumerable.Range(0, parts).Select(i => Remote.ChordTasks.Square.Signature(i)));
        AsyncResult<long> body = await producer.SendAsync(TaskChord.Of(header, Remote.ChordTasks.Total.Partial()));
        long total = await body.GetAsync(TimeSpan.FromMinutes(30));
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long expected = Enumerable.Range(0, parts).Sum(i => (long)i * i);
        return total == expected ? new ChordFigures("taskgen", parts, seconds, peak.Stop()) : throw new InvalidOperationException($"TaskGen chord: expected {expected}, got {total}.");
    }

    private static async Task<ChordFigures> CeleryAsync(string brokerUrl, string redisUrl, int parts)
    {
        Dictionary<string, string> environment = CeleryRoundTrip.Current.Environment(brokerUrl);
        environment["REDIS_URL"] = redisUrl;
        await using WorkerProcess worker = await WorkerProcess.StartAsync(CeleryRoundTrip.Python, ["-m", "celery", "--workdir", CeleryRoundTrip.ScriptDirectory, "-A", "chordtasks", "worker", "-Q", "bench.chord.celery", "-c", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "-P", "prefork", "-n", "bench-chord-celery@%h", "--loglevel", "info", "--without-mingle", "--without-gossip", "--purge"], environment, " ready.");
        using var peak = new PeakMemory(worker.Id);
        var start = new ProcessStartInfo(CeleryRoundTrip.Python, ["chord_celery.py", parts.ToString(CultureInfo.InvariantCulture)]) { WorkingDirectory = CeleryRoundTrip.ScriptDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (KeyValuePair<string, string> variable in environment)
        {
            start.Environment[variable.Key] = variable.Value;
        }

        using Process producer = Process.Start(start)!;
        Task<string> errors = producer.StandardError.ReadToEndAsync();
        string output = await producer.StandardOutput.ReadToEndAsync();
        await producer.WaitForExitAsync();
        string? last = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (producer.ExitCode != 0 || last is null)
        {
            throw new InvalidOperationException($"The Celery chord producer failed (exit {producer.ExitCode}):\n{await errors}");
        }

        using JsonDocument json = JsonDocument.Parse(last);
        return new ChordFigures("celery (5.6.3)", parts, json.RootElement.GetProperty("seconds").GetDouble(), peak.Stop());
    }

    /// <summary>Samples a process tree's resident memory every 50 ms and keeps the highest sum.</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<double> _sampling;

        public PeakMemory(int pid) => _sampling = Task.Run(async () =>
        {
            double peak = 0;
            while (!_stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, TreeMegabytes(pid));
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return Math.Max(peak, TreeMegabytes(pid));
        });

        public double Stop()
        {
            _stop.Cancel();
            return _sampling.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        private static double TreeMegabytes(int pid)
        {
            try
            {
                double own = ProcessMemory.Megabytes(pid, "status", "VmRSS:");
                string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children");
                return own + children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(c => TreeMegabytes(int.Parse(c, CultureInfo.InvariantCulture)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // A prefork child may exit between listing and reading.
                return 0;
            }
        }
    }
}
