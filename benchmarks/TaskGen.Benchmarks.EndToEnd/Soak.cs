using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// At-least-once at the edges (issue 19): a worker process runs many tasks while the broker closes its connections
/// every few seconds and a short <c>consumer_timeout</c> is in force. No task may be lost; the duplicates are set
/// against the tasks that were running at each drop.
/// </summary>
internal static partial class Soak
{
    /// <summary>The workload's name in <c>--only</c>.</summary>
    public const string Name = "soak";

    // A run that finished this shortly before a drop may still have had its acknowledgement in the worker's ack batch,
    // and one that started this shortly after it came from a delivery the worker held before the close frame reached it.
    private const long WindowMicros = 100_000;

    // The worker's default WorkerAckBatchSize: at most this many finished tasks wait for one acknowledgement.
    private const int AckBatchSize = 8;

    /// <summary>What one soak run saw.</summary>
    /// <param name="Tasks">Tasks sent.</param>
    /// <param name="TaskMilliseconds">How long each run waits between its start and end lines.</param>
    /// <param name="Concurrency">The worker's concurrency.</param>
    /// <param name="Seconds">From the first send to the last task's first end.</param>
    /// <param name="Lost">Tasks that never finished a run: must be 0.</param>
    /// <param name="Runs">Runs started, duplicates included.</param>
    /// <param name="Duplicates">Runs started beyond the first of each task.</param>
    /// <param name="Unexplained">Duplicates whose earlier run was neither running at a drop before them nor finished or started within 100 ms of it.</param>
    /// <param name="EmptyPasses">Passes of the drop loop that found no connection of the worker (it was reconnecting).</param>
    /// <param name="ConsumerTimeoutLines">Lines of the node's log that report a consumer timeout.</param>
    /// <param name="Drops">Each drop that closed at least one connection.</param>
    public sealed record SoakFigures(int Tasks, int TaskMilliseconds, int Concurrency, double Seconds, int Lost, int Runs, int Duplicates, int Unexplained, int EmptyPasses, int ConsumerTimeoutLines, IReadOnlyList<Drop> Drops);

    /// <summary>One drop of the worker's connections.</summary>
    /// <param name="AtSeconds">When it happened, from the first send.</param>
    /// <param name="Connections">Connections closed.</param>
    /// <param name="Running">Runs started and not ended at that moment.</param>
    /// <param name="FinishedJustBefore">Runs that ended in the 100 ms before it, whose acknowledgement may not have left.</param>
    /// <param name="StartedJustAfter">Runs that started in the 100 ms after it, from deliveries the worker already held before it heard of the close.</param>
    /// <param name="DuplicatesOfRunning">Second runs after this drop of tasks that were running at it.</param>
    /// <param name="DuplicatesOfFinished">Second runs after this drop of tasks that had finished in the 100 ms before it.</param>
    /// <param name="DuplicatesOfStarted">Second runs after this drop of tasks that started in the 100 ms after it.</param>
    /// <param name="LastStartAfterMilliseconds">How long after the close the last of those started, which bounds how late the worker heard of it.</param>
    public sealed record Drop(double AtSeconds, int Connections, int Running, int FinishedJustBefore, int StartedJustAfter, int DuplicatesOfRunning, int DuplicatesOfFinished, int DuplicatesOfStarted, double? LastStartAfterMilliseconds);

    private sealed record Run(int Index, long Start, long? End);

    /// <summary>Runs the soak on the broker whose node lives in <paramref name="nodeDirectory"/>; the soak fails when it is unknown.</summary>
    public static async Task<SoakFigures> RunAsync(string brokerUrl, string? nodeDirectory, int tasks, int taskMilliseconds, int concurrency, TimeSpan dropEvery, TimeSpan limit)
    {
        var node = new NodeControl(nodeDirectory ?? throw new InvalidOperationException("The soak closes connections with rabbitmqctl: let the harness start its private node, or set TASKGEN_TEST_BROKER_DIR beside --broker."));
        string log = Path.Combine(Path.GetTempPath(), "taskgen-soak-" + Guid.NewGuid().ToString("N")[..8] + ".log");
        int timeoutLinesBefore = node.CountLogLines("acknowledgement");

        // Saved once, so that a soak that died before restoring does not make its own settings the ones restored.
        await node.EvalAsync(
            "case persistent_term:get(taskgen_soak_saved, none) of none -> persistent_term:put(taskgen_soak_saved, " +
            "[{K, application:get_env(rabbit, K)} || K <- [consumer_timeout, channel_tick_interval]]); _ -> ok end, " +
            "persistent_term:erase(taskgen_soak_stop), " +
            "application:set_env(rabbit, consumer_timeout, 15000), application:set_env(rabbit, channel_tick_interval, 1000).");
        try
        {
            await using WorkerProcess worker = await WorkerProcess.StartHarnessAsync(brokerUrl, SoakTasks.Queue, concurrency, "soak");
            await using TaskApp producer = TaskApp.Create(b =>
            {
                b.Options.BrokerUrl = brokerUrl;
                b.Options.ResultBackend = "none";
            });
            await producer.Transport.PurgeAsync(SoakTasks.Queue, default);

            long origin = UnixMicros();
            var clock = Stopwatch.StartNew();
            Task<string> drops = node.EvalAsync(DropLoop($"TaskGen {Environment.MachineName}:{worker.Id}", dropEvery, limit));
            var window = new SemaphoreSlim(500);
            await Task.WhenAll(Enumerable.Range(0, tasks).Select(async i =>
            {
                await window.WaitAsync();
                try
                {
                    await producer.SendAsync(Remote.SoakTasks.SoakRun.Signature(i, taskMilliseconds, log));
                }
                finally
                {
                    window.Release();
                }
            }));

            while (Finished(ReadRuns(log)) < tasks && clock.Elapsed < limit && !drops.IsCompleted)
            {
                await Task.Delay(200);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            await node.EvalAsync("persistent_term:put(taskgen_soak_stop, true).");
            string dropped = await drops.WaitAsync(dropEvery + TimeSpan.FromSeconds(60));

            // A task whose acknowledgement the last drop lost comes back after its first run ended; it has to be
            // counted, so the run ends only when the queue holds nothing ready or unacknowledged.
            var settle = Stopwatch.StartNew();
            while (await node.QueueMessagesAsync(SoakTasks.Queue) != 0 && settle.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }

            return Measure(ReadRuns(log), ParseDrops(dropped, origin), origin, tasks, taskMilliseconds, concurrency, seconds, node.CountLogLines("acknowledgement") - timeoutLinesBefore);
        }
        finally
        {
            // The stop flag stays set: a soak that failed part-way must not leave its drop loop running in the broker.
            await node.EvalAsync(
                "persistent_term:put(taskgen_soak_stop, true), " +
                "[case V of {ok, X} -> application:set_env(rabbit, K, X); undefined -> application:unset_env(rabbit, K) end " +
                "|| {K, V} <- persistent_term:get(taskgen_soak_saved, [])], persistent_term:erase(taskgen_soak_saved), ok.");
            await ScaleCurves.DeleteQueuesAsync(brokerUrl, [SoakTasks.Queue]);
            File.Delete(log);
        }
    }

    /// <summary>Prints one line per drop and the totals.</summary>
    public static void Print(SoakFigures figures)
    {
        Console.WriteLine();
        Console.WriteLine("| drop | at s | connections closed | running | finished in the 100 ms before | started in the 100 ms after | duplicates of running | of finished | of started | last of those started, ms after |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < figures.Drops.Count; i++)
        {
            Drop d = figures.Drops[i];
            Console.WriteLine($"| {i + 1} | {d.AtSeconds:N1} | {d.Connections} | {d.Running} | {d.FinishedJustBefore} | {d.StartedJustAfter} | {d.DuplicatesOfRunning} | {d.DuplicatesOfFinished} | {d.DuplicatesOfStarted} | {d.LastStartAfterMilliseconds} |");
        }

        int over = figures.Drops.Count(d => d.DuplicatesOfRunning > d.Running);
        int overAll = figures.Drops.Count(d => d.DuplicatesOfRunning + d.DuplicatesOfFinished + d.DuplicatesOfStarted > d.Running);
        int overBatch = figures.Drops.Count(d => d.DuplicatesOfFinished > Math.Min(d.FinishedJustBefore, AckBatchSize));
        Console.WriteLine();
        Console.WriteLine(
            $"{figures.Tasks:N0} tasks of {figures.TaskMilliseconds} ms at concurrency {figures.Concurrency} in {figures.Seconds:N1} s: {figures.Drops.Count} drops " +
            $"({figures.EmptyPasses} passes found no connection), {figures.Runs:N0} runs, {figures.Lost} lost, {figures.Duplicates} duplicates " +
            $"({figures.Drops.Sum(d => d.DuplicatesOfRunning)} of tasks running at the drop before, {figures.Drops.Sum(d => d.DuplicatesOfFinished)} of tasks finished in its last 100 ms, " +
            $"{figures.Drops.Sum(d => d.DuplicatesOfStarted)} of tasks started in its first 100 ms, " +
            $"{figures.Unexplained} unexplained); {overAll} drops with more duplicates in all than tasks running at them, {over} with more duplicates of running tasks " +
            $"than tasks running, {overBatch} with more duplicates of finished tasks " +
            $"than an ack batch ({AckBatchSize}); {figures.ConsumerTimeoutLines} consumer-timeout lines in the broker's log.");
    }

    private static SoakFigures Measure(IReadOnlyList<Run> runs, IReadOnlyList<(long At, int Connections)> passes, long origin, int tasks, int taskMilliseconds, int concurrency, double seconds, int timeoutLines)
    {
        string Seconds(long at) => ((at - origin) / 1e6).ToString("0.000", CultureInfo.InvariantCulture);
        var drops = passes.Where(p => p.Connections > 0).ToArray();
        int[] ofRunning = new int[drops.Length];
        int[] ofFinished = new int[drops.Length];
        int[] ofStarted = new int[drops.Length];
        var lastStart = new double?[drops.Length];
        int unexplained = 0;
        foreach (IGrouping<int, Run> task in runs.GroupBy(r => r.Index))
        {
            Run[] ordered = task.OrderBy(r => r.Start).ToArray();
            for (int k = 1; k < ordered.Length; k++)
            {
                Run earlier = ordered[k - 1];

                // The drop that cut the earlier run off, or came just after it finished: the latest such drop before the
                // second run started (a redelivery can wait out a later drop while the worker reconnects).
                int d = Array.FindLastIndex(drops, p => p.At < ordered[k].Start && earlier.Start < p.At + WindowMicros && (earlier.End is not { } end || end > p.At - WindowMicros));
                if (d >= 0)
                {
                    (earlier.Start >= drops[d].At ? ofStarted : earlier.End is { } end && end <= drops[d].At ? ofFinished : ofRunning)[d]++;
                    if (earlier.Start >= drops[d].At)
                    {
                        lastStart[d] = Math.Max(lastStart[d] ?? 0, Math.Round((earlier.Start - drops[d].At) / 1e3, 1));
                    }
                }
                else
                {
                    unexplained++;
                    if (unexplained <= 10)
                    {
                        Console.WriteLine($"    unexplained: task {task.Key} ran {Seconds(earlier.Start)}–{(earlier.End is { } e ? Seconds(e) : "?")} s, again from {Seconds(ordered[k].Start)} s");
                    }
                }
            }
        }

        var table = drops.Select((p, i) => new Drop(
            Math.Round((p.At - origin) / 1e6, 1),
            p.Connections,
            runs.Count(r => r.Start < p.At && (r.End is not { } end || end > p.At)),
            runs.Count(r => r.End is { } end && end <= p.At && end > p.At - WindowMicros),
            runs.Count(r => r.Start >= p.At && r.Start < p.At + WindowMicros),
            ofRunning[i],
            ofFinished[i],
            ofStarted[i],
            lastStart[i])).ToArray();
        int distinctFinished = Finished(runs);
        return new SoakFigures(tasks, taskMilliseconds, concurrency, Math.Round(seconds, 1), tasks - distinctFinished, runs.Count, runs.Count - runs.Select(r => r.Index).Distinct().Count(), unexplained, passes.Count - drops.Length, timeoutLines, table);
    }

    private static int Finished(IReadOnlyList<Run> runs) => runs.Where(r => r.End is not null).Select(r => r.Index).Distinct().Count();

    private static List<Run> ReadRuns(string log)
    {
        var runs = new List<Run>();
        if (!File.Exists(log))
        {
            return runs;
        }

        // The k-th end line of a task closes its k-th start: two runs of one task can overlap (the one cut off by a drop
        // finishes while its redelivery starts), and pairing them in order keeps each interval's bounds among its own.
        var open = new Dictionary<int, Queue<int>>();
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long at))
            {
                continue;
            }

            int index = int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (parts[0] == "S")
            {
                runs.Add(new Run(index, at, null));
                (open.TryGetValue(index, out Queue<int>? pending) ? pending : open[index] = new Queue<int>()).Enqueue(runs.Count - 1);
            }
            else if (open.TryGetValue(index, out Queue<int>? pending) && pending.TryDequeue(out int started))
            {
                runs[started] = runs[started] with { End = at };
            }
        }

        return runs;
    }

    private static string DropLoop(string connectionName, TimeSpan every, TimeSpan limit) =>
        // A process's connections share one name; a name followed by a digit belongs to another process whose id starts alike.
        $"Prefix = <<\"{connectionName}\">>, PL = byte_size(Prefix), Deadline = erlang:monotonic_time(millisecond) + {(long)limit.TotalMilliseconds}, " +
        "Match = fun(N) when N =:= Prefix -> true; (<<P:PL/binary, C, _/binary>>) when P =:= Prefix, (C < $0 orelse C > $9) -> true; (_) -> false end, " +
        "Mine = fun(Pid) -> case catch rabbit_networking:connection_info(Pid, [client_properties]) of " +
        "[{client_properties, Props}] when is_list(Props) -> case lists:keyfind(<<\"connection_name\">>, 1, Props) of {_, longstr, N} -> Match(N); _ -> false end; _ -> false end end, " +
        $"Loop = fun Loop(Acc) -> timer:sleep({(long)every.TotalMilliseconds}), " +
        "case persistent_term:get(taskgen_soak_stop, false) orelse erlang:monotonic_time(millisecond) > Deadline of true -> lists:reverse(Acc); " +
        "false -> T = os:system_time(microsecond), K = length([rabbit_networking:close_connection(P, \"soak: connection dropped\") || P <- rabbit_networking:connections(), Mine(P)]), Loop([{T, K} | Acc]) end end, " +
        "Loop([]).";

    private static List<(long At, int Connections)> ParseDrops(string output, long origin) =>
        DropPattern().Matches(output)
            .Select(m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .Where(p => p.Item1 >= origin)
            .ToList();

    private static long UnixMicros() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;

    [GeneratedRegex(@"\{(\d+),\s*(\d+)\}")]
    private static partial Regex DropPattern();
}
