using System;
using System.Diagnostics;
using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>TaskGen end to end: a generated stub's call, a worker in its own connection, the result by <c>rpc://</c>.</summary>
internal static class TaskGenRoundTrip
{
    /// <summary>Measures round trips; with <paramref name="retryOnce"/> each task retries once first (a republish, a RETRY state, a second run).</summary>
    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup, bool retryOnce = false)
    {
        await using TaskApp workerApp = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.Options.WorkerConcurrency = concurrency;
            b.AddTaskGenBenchmarksEndToEndTasks();
        });
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        await workerApp.Transport.PurgeAsync("bench.taskgen", default);
        await using TaskWorker worker = workerApp.CreateWorker(new WorkerOptions { Queues = ["bench.taskgen"], NodeName = "bench@%h" });
        await worker.StartAsync();

        async Task<long> CallAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            int sum = await (retryOnce ? producer.Send(Remote.BenchTasks.AddAfterOneRetry.Signature(i, i)) : producer.Send(Remote.BenchTasks.Add.Signature(i, i)));
            return sum == 2 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException($"TaskGen: expected {2 * i}, got {sum}.");
        }

        Measurement measured = await Harness.MeasureAsync(retryOnce ? "taskgen-retry" : "taskgen", retryOnce ? "retried-once" : "round-trip", tasks, warmup, CallAsync);
        await worker.StopAsync();
        return measured;
    }
}
