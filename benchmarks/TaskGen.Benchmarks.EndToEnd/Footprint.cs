using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>A worker process's cost: time from process start to ready, and resident memory idle and after load.</summary>
internal static class Footprint
{
    /// <summary>The figures for one worker process.</summary>
    public sealed record Figures(double StartToReadyMilliseconds, double IdleRssMegabytes, int Tasks, double LoadedRssMegabytes);

    public static async Task<Figures> RunAsync(string brokerUrl, int tasks, int concurrency)
    {
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        await producer.Transport.PurgeAsync("bench.taskgen", default);

        string self = typeof(Footprint).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [self, "worker", "-Q", "bench.taskgen", "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-n", "footprint@%h", "--broker", brokerUrl])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long launched = Stopwatch.GetTimestamp();
        using Process worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" ready: queues ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        worker.ErrorDataReceived += (_, _) => { };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            double startToReady = Stopwatch.GetElapsedTime(launched).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(3));
            double idle = ProcessMemory.Megabytes(worker.Id, "status", "VmRSS:");

            for (int sent = 0; sent < tasks; sent += 10_000)
            {
                int batch = Math.Min(10_000, tasks - sent);
                await Task.WhenAll(Enumerable.Range(sent, batch).Select(i => producer.Send(Remote.BenchTasks.Add.Signature(i, 1)).GetAsync()));
            }

            double loaded = ProcessMemory.Megabytes(worker.Id, "status", "VmRSS:");
            return new Figures(startToReady, idle, tasks, loaded);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }
}
