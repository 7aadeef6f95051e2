using System;
using System.Diagnostics;
using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>TaskGen end to end: a generated stub's call, a worker in its own connection, the result by <c>rpc://</c>.</summary>
internal static class TaskGenRoundTrip
{
    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup)
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
            int sum = await producer.Send(Remote.BenchTasks.Add.Signature(i, i));
            return sum == 2 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException($"TaskGen: expected {2 * i}, got {sum}.");
        }

        Measurement measured = await Harness.MeasureAsync("taskgen", "round-trip", tasks, warmup, CallAsync);
        await worker.StopAsync();
        return measured;
    }
}
