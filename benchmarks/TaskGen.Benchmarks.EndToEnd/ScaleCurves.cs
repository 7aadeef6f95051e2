using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskGen.Transport;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// How a worker's cost grows with the work it is given: one worker process consuming more and more queues,
/// and more and more worker processes sharing one queue. Each point is a fresh process, so its memory is its own.
/// </summary>
internal static class ScaleCurves
{
    /// <summary>The prefix of the queues the queue curve declares; a worker declares those it is told to consume.</summary>
    public const string QueuePrefix = "bench.scale.";

    /// <summary>One point of a curve.</summary>
    /// <param name="Count">Queues consumed, or worker processes.</param>
    /// <param name="Tasks">Round trips measured at this point.</param>
    /// <param name="TasksPerSecond">Round trips a second.</param>
    /// <param name="P99Milliseconds">99th-percentile latency from send to result.</param>
    /// <param name="ReadyMilliseconds">Time from process start to ready (the slowest worker's, for several).</param>
    /// <param name="IdleRssMegabytes">Resident memory when ready and idle, summed over the workers.</param>
    /// <param name="LoadedRssMegabytes">Resident memory after the measured tasks, summed over the workers.</param>
    /// <param name="LoadedPssMegabytes">Proportional memory after the measured tasks (shared pages split), summed over the workers.</param>
    public sealed record Point(int Count, int Tasks, double TasksPerSecond, double P99Milliseconds, double ReadyMilliseconds, double IdleRssMegabytes, double LoadedRssMegabytes, double LoadedPssMegabytes);

    /// <summary>The queue names the queue curve uses, as many as asked for.</summary>
    public static string[] QueueNames(int count) => Enumerable.Range(0, count).Select(i => $"{QueuePrefix}{i:D4}").ToArray();

    /// <summary>Lets the harness's <c>worker</c> mode consume the scale queues it is given with <c>-Q</c>, as declared TaskGen queues.</summary>
    public static void DeclareQueuesNamedIn(TaskAppBuilder app, string[] args)
    {
        int at = Array.IndexOf(args, "-Q");
        if (at >= 0 && at + 1 < args.Length)
        {
            app.Tasks.AddQueues(args[at + 1].Split(',').Where(q => q.StartsWith(QueuePrefix, StringComparison.Ordinal)).Select(q => new QueueDeclaration(q)));
        }
    }

    /// <summary>One worker process consuming each count of queues in turn, the tasks spread evenly over them.</summary>
    public static async Task<IReadOnlyList<Point>> QueuesAsync(string brokerUrl, int[] counts, int tasks, int concurrency, int warmup)
    {
        string[] all = QueueNames(counts.Max());
        await using TaskApp producer = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = brokerUrl;
            b.Tasks.AddQueues(all.Select(q => new QueueDeclaration(q)));
        });
        var points = new List<Point>();
        try
        {
            foreach (int count in counts)
            {
                string[] queues = all[..count];
                var options = queues.Select(q => new TaskOptions { Queue = q }).ToArray();
                await using WorkerProcess worker = await WorkerProcess.StartHarnessAsync(brokerUrl, string.Join(',', queues), concurrency, $"queues{count}");
                points.Add(await MeasureAsync(producer, [worker], count, tasks, warmup, i => options[i % count]));
                Console.Write($"{count}q ");
            }
        }
        finally
        {
            await DeleteQueuesAsync(brokerUrl, all);
        }

        return points;
    }

    /// <summary>Each count of worker processes in turn on one queue.</summary>
    public static async Task<IReadOnlyList<Point>> WorkersAsync(string brokerUrl, int[] counts, int tasks, int concurrency, int warmup)
    {
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = brokerUrl);
        await producer.Transport.PurgeAsync("bench.taskgen", default);
        var points = new List<Point>();
        foreach (int count in counts)
        {
            // Started together, as a deployment would start them; ready is the last one's.
            WorkerProcess[] workers = await Task.WhenAll(Enumerable.Range(0, count).Select(i => WorkerProcess.StartHarnessAsync(brokerUrl, "bench.taskgen", concurrency, $"w{count}-{i}")));
            try
            {
                points.Add(await MeasureAsync(producer, workers, count, tasks, warmup, _ => null));
                Console.Write($"{count}w ");
            }
            finally
            {
                foreach (WorkerProcess worker in workers)
                {
                    await worker.DisposeAsync();
                }
            }
        }

        return points;
    }

    private static async Task<Point> MeasureAsync(TaskApp producer, WorkerProcess[] workers, int count, int tasks, int warmup, Func<int, TaskOptions?> route)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        double idle = workers.Sum(w => w.RssMegabytes);

        async Task<long> CallAsync(int i)
        {
            long start = Stopwatch.GetTimestamp();
            int sum = await producer.Send(Remote.BenchTasks.Add.Signature(i, i, route(i)));
            return sum == 2 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException($"Expected {2 * i}, got {sum}.");
        }

        Measurement measured = await Harness.MeasureAsync("taskgen", "round-trip", tasks, warmup, CallAsync);
        return new Point(
            count,
            measured.Tasks,
            measured.TasksPerSecond,
            measured.P99Milliseconds,
            workers.Max(w => w.ReadyMilliseconds),
            idle,
            workers.Sum(w => w.RssMegabytes),
            workers.Sum(w => w.PssMegabytes));
    }

    /// <summary>Deletes the queues a curve declared: durable queues would outlive the run on a broker given with --broker, and TaskGen's transport only purges.</summary>
    public static async Task DeleteQueuesAsync(string brokerUrl, IEnumerable<string> queues)
    {
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUrls.Split(brokerUrl)[0]), ClientProvidedName = "taskgen-bench-cleanup" };
        await using IConnection connection = await factory.CreateConnectionAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        foreach (string queue in queues)
        {
            await channel.QueueDeleteAsync(queue);
        }
    }
}
