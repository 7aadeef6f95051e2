using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>Runs a contender's call N times at once after a warm-up, and turns the latencies into figures.</summary>
internal static class Harness
{
    /// <summary>How many calls each contender keeps in flight: enough to saturate every one, few enough that latency means something.</summary>
    public static int InFlight { get; set; } = 500;

    /// <summary>
    /// Warms up with <paramref name="warmup"/> calls, then times <paramref name="tasks"/> calls with <paramref name="inFlight"/>
    /// (by default <see cref="InFlight"/>) outstanding at a time, and the broker's CPU time over them.
    /// </summary>
    public static async Task<Measurement> MeasureAsync(string name, string workload, int tasks, int warmup, Func<int, Task<long>> call, int? inFlight = null)
    {
        var window = new SemaphoreSlim(inFlight ?? InFlight);
        async Task<long> Bounded(int i)
        {
            await window.WaitAsync();
            try
            {
                return await call(i);
            }
            finally
            {
                window.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, warmup).Select(Bounded));
        double? cpuBefore = BrokerCpu.Milliseconds();
        TimeSpan clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long started = Stopwatch.GetTimestamp();
        long[] latencies = await Task.WhenAll(Enumerable.Range(0, tasks).Select(Bounded));
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double? cpuAfter = BrokerCpu.Milliseconds();
        double clientSpent = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalMilliseconds;
        return Measurement.From(name, workload, seconds, latencies) with { BrokerCpuMillisecondsPerTask = cpuAfter - cpuBefore is { } spent ? spent / tasks : null, ClientCpuMillisecondsPerTask = clientSpent / tasks };
    }
}
