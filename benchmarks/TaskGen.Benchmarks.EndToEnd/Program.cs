using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen;
using TaskGen.Benchmarks.EndToEnd;

const string Usage = """
    End-to-end benchmarks: TaskGen, raw RabbitMQ.Client 7, MassTransit 8 and Python Celery 5.6 doing the same
    Add(a, b) round trip on the same RabbitMQ (persistent messages, publisher confirms, rpc-style replies).

    Usage: dotnet run -c Release --project benchmarks/TaskGen.Benchmarks.EndToEnd -- [options]

      --broker URL           the RabbitMQ to use; without it a private node is started on loopback
      -n, --tasks N          round trips per contender (default 20000)
      --celery-tasks N       round trips for Python Celery (celery: 5.6.3, celery-5.2: Debian's 5.2.6), which is much
                             slower (default 3000)
      -c, --concurrency N    worker concurrency for every contender; prefetch is 4 x this (default 8)
      --warmup N             unmeasured calls before each run (default 2000)
      --in-flight N          calls each contender keeps outstanding (default 500)
      --only LIST            any of raw,taskgen,raw-batched,taskgen-single-acks,latency,taskgen-retry,masstransit,
                             celery,celery-5.2,publish,footprint,startup,scale-queues,scale-workers,pending,aot (default: all
                             of these), or raw-direct-reply (the raw floor answering by direct reply-to), or
                             taskgen-unconfirmed (results sent unconfirmed, WorkerConfirmResults = false), or soak
                             (connection drops under a consumer timeout; about 2 minutes, never part of the default),
                             or chord (one chord per --chord-parts size on TaskGen and Celery 5.6.3 with Redis results;
                             never part of the default), or beat (tick lateness of --beat-entries entries falling due
                             together for --beat-minutes, then --beat-failovers leader changes; never part of the default)
                             or monitor (TaskGen's monitor beside Flower 2.1 on the same events: ingest rate, memory per
                             task, first page of the task list with --monitor-tasks tasks; never part of the default)
      --monitor-tasks N      tasks in the monitor workload (default 100000)
      --beat-entries N       schedule entries in the beat workload (default 1000)
      --beat-every S         their interval in seconds; every entry falls due at the same instant (default 5)
      --beat-minutes N       how long the lateness run lasts (default 10)
      --beat-failovers N     leaders stopped in the failover run (default 5)
      --chord-parts LIST     header sizes of the chord workload (default 1000,10000)
      --redis URL            the Redis of the chord workload; without it a private server is started on loopback
      --soak-tasks N         tasks sent in the soak (default 10000)
      --soak-task-ms N       how long each soak task runs (default 50)
      --soak-drop-every S    seconds between drops of the soak worker's connections (default 3)
      --footprint-tasks N    tasks sent to the worker whose memory is measured (default 100000)
      --startup-runs N       starts of each worker in the start-up comparison (default 5)
      --aot-worker PATH      the sample worker already published with native AOT (default: publish it)
      --scale-queues LIST    queue counts one worker consumes in scale-queues (default 1,10,100,1000)
      --scale-workers LIST   worker processes in scale-workers (default 1,2,4,8)
      --scale-tasks N        round trips at each point of those two curves (default 20000)
      --pending LIST         pending results in pending (default 10000,100000; 1000000 adds minutes)
      --latency-calls N      calls measured at 1 in flight in the latency runs; 10 and 500 in flight get 2.5 x and 5 x (default 2000)
      --json FILE            where to write the figures as JSON (default end-to-end.json)
      -h, --help             this text

    The broker's CPU time per task is reported for a private node, or for --broker when TASKGEN_TEST_BROKER_DIR names its node directory.
    """;

if (args.Length > 0 && args[0] == "worker")
{
    // The footprint and scale measurements run this program as a plain TaskGen worker; the scale queues it is
    // given with -Q are declared at run time rather than as a thousand assembly attributes.
    return await TaskApp.RunAsync(args, app => ScaleCurves.DeclareQueuesNamedIn(app.AddTaskGenBenchmarksEndToEndTasks().AddRedisResults(), args));
}

if (args.Length == 3 && args[0] == PendingResults.Mode)
{
    return await PendingResults.ProduceAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i < args.Length; i++)
{
    string key = args[i] switch { "-n" => "--tasks", "-c" => "--concurrency", "-h" => "--help", var other => other };
    if (key == "--help")
    {
        Console.WriteLine(Usage);
        return 0;
    }

    if (!key.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"Unexpected argument '{args[i]}'.\n{Usage}");
        return 64;
    }

    options[key] = args[++i];
}

int Number(string name, int fallback) => options.TryGetValue(name, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
int tasks = Number("--tasks", 20_000);
int celeryTasks = Number("--celery-tasks", 3_000);
int concurrency = Number("--concurrency", 8);
int warmup = Number("--warmup", 2_000);
int footprintTasks = Number("--footprint-tasks", 100_000);
Harness.InFlight = Number("--in-flight", 500);
HashSet<string> only = (options.GetValueOrDefault("--only") ?? "raw,taskgen,raw-batched,taskgen-single-acks,latency,taskgen-retry,masstransit,celery,celery-5.2,publish,footprint,startup,scale-queues,scale-workers,pending,aot").Split(',').ToHashSet(StringComparer.Ordinal);
string jsonPath = options.GetValueOrDefault("--json") ?? "end-to-end.json";

string? nodeDirectory = null;
string? redisDirectory = null;
string broker = options.GetValueOrDefault("--broker") ?? StartPrivateBroker(out nodeDirectory);
BrokerCpu.Pid = BrokerCpu.FromNodeDirectory(nodeDirectory ?? (options.ContainsKey("--broker") ? Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_DIR") : null));
try
{
    Console.WriteLine($"Broker {TaskGen.Transport.BrokerUrls.Redact(broker)}; {tasks} round trips per contender, {Harness.InFlight} in flight, concurrency {concurrency}, prefetch {concurrency * 4}, {Environment.ProcessorCount} cores.");
    var results = new List<Measurement>();
    async Task Run(string name, Func<Task<Measurement>> run)
    {
        if (!only.Contains(name))
        {
            return;
        }

        Console.Write($"  {name,-12} ... ");
        Measurement measured = await run();
        results.Add(measured);
        Console.WriteLine($"{measured.Name} {measured.Workload}: {measured.TasksPerSecond,9:N0} tasks/s  p50 {measured.P50Milliseconds,7:N2} ms  p99 {measured.P99Milliseconds,8:N2} ms{(measured.AckFramesPerTask is { } frames ? $"  ack frames/task {frames:N3}" : "")}");
    }

    if (new[] { "raw-batched", "raw-direct-reply", "taskgen-single-acks", "latency" }.Any(only.Contains))
    {
        // The first run of each client pays for its JIT tiering; this pass takes that cost off the variants compared after it.
        Console.WriteLine("  JIT pass: raw and taskgen, unmeasured");
        await RawRoundTrip.RunAsync(broker, 5_000, concurrency, warmup);
        await TaskGenRoundTrip.RunAsync(broker, 5_000, concurrency, warmup);
    }

    await Run("raw", () => RawRoundTrip.RunAsync(broker, tasks, concurrency, warmup));
    await Run("taskgen", () => TaskGenRoundTrip.RunAsync(broker, tasks, concurrency, warmup));
    await Run("raw-batched", () => RawRoundTrip.RunAsync(broker, tasks, concurrency, warmup, batchedAcks: true));
    await Run("raw-direct-reply", () => RawRoundTrip.RunAsync(broker, tasks, concurrency, warmup, directReply: true));
    await Run("taskgen-single-acks", () => TaskGenRoundTrip.RunAsync(broker, tasks, concurrency, warmup, ackBatchSize: 1));
    await Run("taskgen-unconfirmed", () => TaskGenRoundTrip.RunAsync(broker, tasks, concurrency, warmup, confirmResults: false));
    foreach ((int inFlight, int calls) in new[] { (1, 1.0), (10, 2.5), (500, 5.0) }.Select(l => (l.Item1, (int)(Number("--latency-calls", 2_000) * l.Item2))))
    {
        await Run("latency", () => RawRoundTrip.RunAsync(broker, calls, concurrency, Math.Min(warmup, 500), $"latency-{inFlight}", inFlight));
        await Run("latency", () => TaskGenRoundTrip.RunAsync(broker, calls, concurrency, Math.Min(warmup, 500), workload: $"latency-{inFlight}", inFlight: inFlight));
    }

    await Run("taskgen-retry", () => TaskGenRoundTrip.RunAsync(broker, tasks, concurrency, warmup, retryOnce: true));
    await Run("masstransit", () => MassTransitRoundTrip.RunAsync(broker, tasks, concurrency, warmup));
    List<CeleryRoundTrip.Release> celeryReleases = only.Overlaps(["startup", .. CeleryRoundTrip.Releases.Select(r => r.Contender)])
        ? CeleryRoundTrip.Releases.Where(CeleryRoundTrip.IsAvailable).ToList()
        : [];
    foreach (CeleryRoundTrip.Release release in CeleryRoundTrip.Releases)
    {
        if (only.Contains(release.Contender) && !celeryReleases.Contains(release))
        {
            Console.WriteLine($"  {release.Contender,-12} ... skipped: Celery {release.Version} does not import (python3-celery, or its sources in ../shared/third_party)");
            only.Remove(release.Contender);
        }

        await Run(release.Contender, () => CeleryRoundTrip.RunAsync(release, broker, celeryTasks, Math.Min(concurrency, Environment.ProcessorCount), Math.Min(warmup, 300)));
    }
    if (only.Contains("publish"))
    {
        only.Add("publish-raw");
        only.Add("publish-taskgen");
        await Run("publish-raw", () => PublishOnly.RawAsync(broker, tasks, warmup));
        await Run("publish-taskgen", () => PublishOnly.TaskGenAsync(broker, tasks, warmup));
    }

    foreach (string workload in results.Select(r => r.Workload).Distinct().ToArray())
    {
        Measurement? raw = results.FirstOrDefault(r => r.Name == "raw" && r.Workload == workload);
        foreach (Measurement m in results.Where(r => r.Workload == workload && raw is not null))
        {
            m.RatioToRaw = m.TasksPerSecond / raw!.TasksPerSecond;
            m.P50RatioToRaw = m.P50Milliseconds / raw.P50Milliseconds;
        }
    }

    Footprint.Figures? footprint = null;
    if (only.Contains("footprint"))
    {
        Console.Write("  footprint    ... ");
        footprint = await Footprint.RunAsync(broker, footprintTasks, concurrency);
        Console.WriteLine($"start to ready {footprint.StartToReadyMilliseconds:N0} ms, RSS idle {footprint.IdleRssMegabytes:N1} MB, after {footprint.Tasks:N0} tasks {footprint.LoadedRssMegabytes:N1} MB");
    }

    IReadOnlyList<Startup.StartupFigures>? startup = null;
    if (only.Contains("startup"))
    {
        Console.Write("  startup      ... ");
        startup = await Startup.RunAsync(broker, Number("--startup-runs", 5), options.GetValueOrDefault("--aot-worker"), celeryReleases);
        Console.WriteLine("done");
        Console.WriteLine();
        Console.WriteLine("| worker | runs | ready ms (median) | RSS MB, main process | PSS MB, process tree |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (Startup.StartupFigures s in startup)
        {
            Console.WriteLine($"| {s.Worker} | {s.Runs} | {s.ReadyMilliseconds:N0} | {s.RssMegabytes:N1} | {s.PssMegabytes:N1} |");
        }
    }

    ScaleWorkloads.ScaleFigures? scale = await ScaleWorkloads.RunAsync(only, broker, options, concurrency, warmup, footprintTasks);

    Soak.SoakFigures? soak = null;
    if (only.Contains(Soak.Name))
    {
        Console.Write($"  {Soak.Name,-12} ... ");
        string? soakNode = nodeDirectory ?? Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_DIR");
        soak = await Soak.RunAsync(broker, soakNode, Number("--soak-tasks", 10_000), Number("--soak-task-ms", 50), concurrency, TimeSpan.FromSeconds(Number("--soak-drop-every", 3)), TimeSpan.FromMinutes(10));
        Console.WriteLine("done");
        Soak.Print(soak);
    }

    List<ChordBench.ChordFigures>? chords = null;
    if (only.Contains(ChordBench.Name))
    {
        Console.WriteLine($"  {ChordBench.Name,-12} ... ");
        string redis = options.GetValueOrDefault("--redis") ?? StartPrivateRedis(out redisDirectory);
        chords = await ChordBench.RunAsync(broker, redis, (options.GetValueOrDefault("--chord-parts") ?? "1000,10000").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray(), concurrency);
        Console.WriteLine();
        Console.WriteLine("| contender | chord parts | send to body result, s | worker peak RSS, MB |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (ChordBench.ChordFigures c in chords)
        {
            Console.WriteLine($"| {c.Contender} | {c.Parts:N0} | {c.Seconds:N2} | {c.WorkerPeakRssMegabytes:N1} |");
        }
    }

    BeatBench.BeatFigures? beat = null;
    if (only.Contains(BeatBench.Name))
    {
        Console.WriteLine($"  {BeatBench.Name,-12} ... ");
        beat = await BeatBench.RunAsync(broker, Number("--beat-entries", 1000), TimeSpan.FromSeconds(Number("--beat-every", 5)), TimeSpan.FromMinutes(Number("--beat-minutes", 10)), Number("--beat-failovers", 5));
        BeatBench.Print(beat);
    }

    Console.WriteLine();
    Console.WriteLine("| contender | workload | tasks | tasks/s | p50 ms | p99 ms | × raw | p50 × raw | broker CPU ms/task | client CPU ms/task |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (Measurement m in results)
    {
        Console.WriteLine($"| {m.Name} | {m.Workload} | {m.Tasks:N0} | {m.TasksPerSecond:N0} | {m.P50Milliseconds:N2} | {m.P99Milliseconds:N2} | {m.RatioToRaw?.ToString("0.00", CultureInfo.InvariantCulture)} | {m.P50RatioToRaw?.ToString("0.00", CultureInfo.InvariantCulture)} | {m.BrokerCpuMillisecondsPerTask?.ToString("0.000", CultureInfo.InvariantCulture)} | {m.ClientCpuMillisecondsPerTask.ToString("0.000", CultureInfo.InvariantCulture)} |");
    }

    if (only.Contains(MonitorBench.Name))
    {
        Console.WriteLine($"  {MonitorBench.Name,-12} ... ");
        MonitorBench.Print(await MonitorBench.RunAsync(broker, Number("--monitor-tasks", 100_000)));
    }

    var report = new Report(DateTimeOffset.UtcNow, Environment.ProcessorCount, concurrency, results, footprint, startup, scale, soak, chords, beat);
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, ReportJson.Default.Report));
    Console.WriteLine($"\nFigures written to {Path.GetFullPath(jsonPath)}.");
    if (soak is { Lost: > 0 })
    {
        Console.Error.WriteLine($"SOAK FAILED: {soak.Lost} of {soak.Tasks} tasks never finished a run.");
        return 1;
    }

    return 0;
}
finally
{
    if (nodeDirectory is not null)
    {
        RunNodeScript("stop", nodeDirectory);
    }

    if (redisDirectory is not null)
    {
        RunNodeScript("stop", redisDirectory, "redis-node.sh");
    }
}

static string StartPrivateRedis(out string? directory)
{
    directory = Path.Combine(Path.GetTempPath(), "taskgen-bench-redis-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(directory);
    if (RunNodeScript("start", directory, "redis-node.sh") != 0)
    {
        throw new InvalidOperationException("The private Redis server did not start; pass --redis URL instead.");
    }

    return File.ReadAllText(Path.Combine(directory, "url")).Trim();
}

static string StartPrivateBroker(out string? directory)
{
    directory = Path.Combine(Path.GetTempPath(), "taskgen-bench-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(directory);
    if (RunNodeScript("start", directory) != 0)
    {
        throw new InvalidOperationException("The private RabbitMQ node did not start; pass --broker URL instead.");
    }

    return File.ReadAllText(Path.Combine(directory, "url")).Trim();
}

static int RunNodeScript(string command, string directory, string script = "rabbitmq-node.sh")
{
    string root = Repository.Root();
    using Process node = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "tests", "broker", script), command, directory]) { RedirectStandardInput = true })!;
    node.StandardInput.Close();
    node.WaitForExit();
    return node.ExitCode;
}
