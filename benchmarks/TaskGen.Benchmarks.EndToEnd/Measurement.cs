using System;
using System.Linq;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>One contender's figures for one workload.</summary>
/// <param name="Name">The contender (taskgen, raw, masstransit, celery, celery-5.2).</param>
/// <param name="Workload">round-trip, publish-only, or latency-N (N calls in flight).</param>
/// <param name="Tasks">How many tasks were measured.</param>
/// <param name="Seconds">Wall time of the measured run.</param>
/// <param name="P50Milliseconds">Median latency from send to result.</param>
/// <param name="P99Milliseconds">99th-percentile latency.</param>
public sealed record Measurement(string Name, string Workload, int Tasks, double Seconds, double P50Milliseconds, double P99Milliseconds)
{
    /// <summary>Tasks per second.</summary>
    public double TasksPerSecond => Tasks / Seconds;

    /// <summary>This contender's throughput over raw RabbitMQ.Client's, when measured in the same run.</summary>
    public double? RatioToRaw { get; set; }

    /// <summary>This contender's median latency over raw RabbitMQ.Client's at the same calls in flight, in the same run.</summary>
    public double? P50RatioToRaw { get; set; }

    /// <summary>The broker's CPU time (user and system) spent per measured task, when its process is known.</summary>
    public double? BrokerCpuMillisecondsPerTask { get; init; }

    /// <summary>
    /// The harness process's CPU time per measured task: producer and worker of the .NET contenders, which share the
    /// machine's cores with the broker (zero for contenders that run in other processes).
    /// </summary>
    public double ClientCpuMillisecondsPerTask { get; init; }

    /// <summary>For TaskGen with batched acks, the ack frames its worker sent per acknowledged task, warm-up included.</summary>
    public double? AckFramesPerTask { get; init; }

    /// <summary>Builds a measurement from per-task latencies in stopwatch ticks.</summary>
    public static Measurement From(string name, string workload, double seconds, long[] latencyTicks)
    {
        double[] sorted = latencyTicks.Select(t => t * 1000.0 / System.Diagnostics.Stopwatch.Frequency).Order().ToArray();
        return new Measurement(name, workload, sorted.Length, seconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
