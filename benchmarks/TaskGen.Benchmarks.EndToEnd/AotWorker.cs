using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// The sample worker under the JIT and published with native AOT, side by side under load: ready time, memory
/// idle and after the round trips, and the round-trip rate itself.
/// </summary>
internal static class AotWorker
{
    // A queue the sample declares, and the one of its tasks routed there.
    private const string Queue = "calc";
    private static readonly TaskDescriptor<double> s_rectArea = new(
        "CeleryApp.Tasks.Geometry.RectArea", Queue, [new QueueDeclaration(Queue)], static (ref Utf8JsonReader reader) => reader.GetDouble());

    /// <summary>One worker's figures.</summary>
    /// <param name="Worker">Which build of the sample worker.</param>
    /// <param name="ReadyMilliseconds">Median time from process start to ready over the starts.</param>
    /// <param name="Starts">How many starts the median is of.</param>
    /// <param name="IdleRssMegabytes">Resident memory 3 s after ready, before any task.</param>
    /// <param name="Tasks">Round trips measured.</param>
    /// <param name="TasksPerSecond">Round trips a second.</param>
    /// <param name="P99Milliseconds">99th-percentile latency from send to result.</param>
    /// <param name="LoadedRssMegabytes">Resident memory after the warm-up and the measured round trips.</param>
    public sealed record AotFigures(string Worker, double ReadyMilliseconds, int Starts, double IdleRssMegabytes, int Tasks, double TasksPerSecond, double P99Milliseconds, double LoadedRssMegabytes);

    /// <summary>Starts each build <paramref name="starts"/> times, alternating, then loads each in turn.</summary>
    public static async Task<IReadOnlyList<AotFigures>> RunAsync(string brokerUrl, string? aotWorker, int starts, int tasks, int concurrency, int warmup)
    {
        string jit = Path.Combine(Repository.Root(), "samples", "CeleryApp", "bin", "Release", "net10.0", "CeleryApp.dll");
        string aot = aotWorker ?? await Startup.NativeWorkerAsync();
        string[] worker = ["worker", "-Q", Queue, "-c", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--broker", brokerUrl];
        (string Name, string File, string[] Arguments)[] builds =
        [
            ("TaskGen, JIT", "dotnet", [jit, .. worker, "-n", "jit@%h"]),
            ("TaskGen, native AOT", aot, [.. worker, "-n", "aot@%h"]),
        ];

        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        await producer.Transport.DeclareQueueAsync(new QueueSpecification(Queue), default);
        await producer.Transport.PurgeAsync(Queue, default);

        // Alternated, so that a busy moment on the machine falls on both alike.
        var ready = builds.ToDictionary(b => b.Name, _ => new List<double>());
        for (int run = 0; run < starts; run++)
        {
            foreach ((string name, string file, string[] arguments) in builds)
            {
                await using WorkerProcess started = await WorkerProcess.StartAsync(file, arguments);
                ready[name].Add(started.ReadyMilliseconds);
            }
        }

        async Task<long> CallAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            double area = await producer.Send(new Signature<double>(s_rectArea, new TwoNumbers(i, 2)));
            return area == 2.0 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException($"Expected {2 * i}, got {area}.");
        }

        var figures = new List<AotFigures>();
        foreach ((string name, string file, string[] arguments) in builds)
        {
            await using WorkerProcess loaded = await WorkerProcess.StartAsync(file, arguments);
            await Task.Delay(TimeSpan.FromSeconds(3));
            double idle = loaded.RssMegabytes;
            Measurement measured = await Harness.MeasureAsync(name, "round-trip", tasks, warmup, CallAsync);
            double[] sorted = ready[name].Order().ToArray();
            figures.Add(new AotFigures(name, sorted[sorted.Length / 2], starts, idle, measured.Tasks, measured.TasksPerSecond, measured.P99Milliseconds, loaded.RssMegabytes));
            Console.Write($"{name} ");
        }

        return figures;
    }

    // RectArea's (h, w), written as the generated stub would.
    private sealed class TwoNumbers(double h, double w) : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(h);
            writer.WriteNumberValue(w);
            writer.WriteEndArray();
        }
    }
}
