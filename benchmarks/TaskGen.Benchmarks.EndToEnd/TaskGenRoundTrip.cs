using System;
using System.Diagnostics;
using System.Threading.Tasks;
using TaskGen.Transport.RabbitMq;
using TaskGen.Worker;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>TaskGen end to end: a generated stub's call, a worker in its own connection, the result by <c>rpc://</c>.</summary>
internal static class TaskGenRoundTrip
{
    /// <summary>Measures round trips; with <paramref name="retryOnce"/> each task retries once first (a republish, a RETRY state, a second run).</summary>
    /// <param name="workload">The workload's name in the report; round-trip unless a latency run names its calls in flight.</param>
    /// <param name="inFlight">Overrides the harness's calls in flight, for the latency workloads.</param>
    /// <param name="ackBatchSize">The worker's <see cref="TaskAppOptions.WorkerAckBatchSize"/>; 1 acknowledges each task on its own.</param>
    /// <param name="confirmResults">The worker's <see cref="TaskAppOptions.WorkerConfirmResults"/>; false sends results unconfirmed, as Celery does.</param>
    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup, bool retryOnce = false, string workload = "round-trip", int? inFlight = null, int? ackBatchSize = null, bool confirmResults = true)
    {
        await using TaskApp workerApp = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.Options.WorkerAckBatchSize = ackBatchSize ?? b.Options.WorkerAckBatchSize;
            b.Options.WorkerConfirmResults = confirmResults;
            b.AddTaskGenBenchmarksEndToEndTasks();
        });
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        await workerApp.Transport.PurgeAsync("bench.taskgen", default);
        await using TaskWorker worker = workerApp.CreateWorker(new WorkerOptions { Queues = ["bench.taskgen"], Concurrency = concurrency, NodeName = "bench@%h" });
        await worker.StartAsync();

        async Task<long> CallAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            int sum = await (retryOnce ? producer.Send(Remote.BenchTasks.AddAfterOneRetry.Signature(i, i)) : producer.Send(Remote.BenchTasks.Add.Signature(i, i)));
            return sum == 2 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException($"TaskGen: expected {2 * i}, got {sum}.");
        }

        (long finished, long frames) before = RabbitMqAckBatch.Tally;
        Measurement measured = await Harness.MeasureAsync(retryOnce ? "taskgen-retry" : ackBatchSize == 1 ? "taskgen-single-acks" : confirmResults ? "taskgen" : "taskgen-unconfirmed", retryOnce ? "retried-once" : workload, tasks, warmup, CallAsync, inFlight);
        await worker.StopAsync();
        (long finished, long frames) after = RabbitMqAckBatch.Tally;
        return after.finished > before.finished ? measured with { AckFramesPerTask = (double)(after.frames - before.frames) / (after.finished - before.finished) } : measured;
    }
}
