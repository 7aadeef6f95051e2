using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// TaskGen's monitor beside Flower 2.1 on the same broker and the same events: how fast each takes events in, what
/// 100,000 tasks cost each in memory, and how long each takes to show the first page of its task list with them.
/// Both count task events in the same metric (<c>flower_events_total</c>), so one reading serves both.
/// </summary>
internal static class MonitorBench
{
    /// <summary>The option that selects this workload; it starts Flower, so it is not part of the default run.</summary>
    public const string Name = "monitor";

    /// <summary>The figures of one contender.</summary>
    public sealed record MonitorFigures(string Contender, int EventsPublished, long EventsIngested, double IngestSeconds, double EventsPerSecond, int Tasks, double BaselineMegabytes, double LoadedMegabytes, double BytesPerTask, double FirstPageMilliseconds);

    private static readonly string[] s_taskNames = [.. Enumerable.Range(0, 10).Select(i => $"bench.monitor.task{i}")];

    /// <summary>Runs both phases against Flower and the monitor, each a process of its own.</summary>
    public static async Task<IReadOnlyList<MonitorFigures>> RunAsync(string brokerUrl, int tasks)
    {
        string root = Repository.Root();
        string tool = Directory.GetFiles(Path.Combine(root, "src", "TaskGen.Monitor.Tool", "bin", "Release"), "TaskGen.Monitor.Tool.dll", SearchOption.AllDirectories).FirstOrDefault()
            ?? throw new FileNotFoundException("Build src/TaskGen.Monitor.Tool in Release first.");
        int taskgenPort = FreePort();
        int flowerPort = FreePort();
        var flowerEnvironment = new Dictionary<string, string>
        {
            ["FLOWER_UNAUTHENTICATED_API"] = "true",
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PYTHONPATH"] = string.Join(':', Path.GetFullPath(Path.Combine(root, "..", "shared", "third_party", "flower-2.1")), Path.GetFullPath(Path.Combine(root, "..", "shared", "third_party", "celery-5.6"))),
        };
        string max = tasks.ToString(CultureInfo.InvariantCulture);
        await using WorkerProcess flower = await WorkerProcess.StartAsync(CeleryRoundTrip.Python, ["-m", "flower", "--broker=" + brokerUrl, "flower", $"--port={flowerPort}", "--address=127.0.0.1", $"--max_tasks={max}"], flowerEnvironment, "Visit me at");
        await using WorkerProcess taskgen = await WorkerProcess.StartAsync("dotnet", [tool, "--broker", brokerUrl, "--port", taskgenPort.ToString(CultureInfo.InvariantCulture), "--address", "127.0.0.1", "--max_tasks", max], null, "Now listening on");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var contenders = new (string Name, WorkerProcess Process, string Url)[] { ("taskgen-monitor", taskgen, $"http://127.0.0.1:{taskgenPort}"), ("flower-2.1", flower, $"http://127.0.0.1:{flowerPort}") };

        // Both consume through their own auto-delete queue; wait until each has bound it, then let them settle.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var baseline = contenders.Select(c => c.Process.RssMegabytes).ToArray();

        // Phase 1, ingest: three events per task as fast as the broker takes them. A contender slower than the publisher
        // is saturated throughout, so what it counts over the time it took is its rate; what it lost shows too (Celery's
        // 5 s event_queue_ttl, which both use, drops what waits longer).
        var factory = new ConnectionFactory { Uri = new Uri(brokerUrl) };
        await using IConnection connection = await factory.CreateConnectionAsync("bench-monitor");
        await using IChannel channel = await connection.CreateChannelAsync();
        int ingestTasks = tasks;
        var started = Stopwatch.StartNew();
        int published = await PublishAsync(channel, "ingest", ingestTasks, ["task-received", "task-started", "task-succeeded"], null);
        double publishSeconds = started.Elapsed.TotalSeconds;
        Console.WriteLine($"      published {published:N0} events in {publishSeconds:N1} s");
        var ingest = new List<(long Count, double Seconds)>();
        foreach (var contender in contenders)
        {
            ingest.Add(await WaitQuietAsync(http, contender.Url, started));
        }

        // Phase 2, memory: one event per task, paced at half the slower contender's rate so that neither loses any, then
        // each process's resident memory against its baseline, per task.
        double slower = ingest.Min(i => i.Count / Math.Max(i.Seconds, 0.001));
        int pace = Math.Max(500, (int)(slower / 2));
        long[] before = [.. await Task.WhenAll(contenders.Select(c => CountAsync(http, c.Url, "task-succeeded")))];
        Console.WriteLine($"      memory phase: {tasks:N0} tasks at {pace:N0} events/s");
        await PublishAsync(channel, "memory", tasks, ["task-succeeded"], pace);
        foreach (var contender in contenders)
        {
            await WaitQuietAsync(http, contender.Url, Stopwatch.StartNew());
        }

        var figures = new List<MonitorFigures>();
        for (int i = 0; i < contenders.Length; i++)
        {
            var (name, process, url) = contenders[i];
            long kept = await CountAsync(http, url, "task-succeeded") - before[i];
            double loaded = process.RssMegabytes;
            double firstPage = await FirstPageAsync(http, name, url);
            (long count, double seconds) = ingest[i];
            figures.Add(new MonitorFigures(name, published, count, seconds, count / Math.Max(seconds, 0.001), (int)kept, baseline[i], loaded, (loaded - baseline[i]) * 1024 * 1024 / Math.Max(1, kept), firstPage));
        }

        return figures;
    }

    /// <summary>Prints the figures as a table.</summary>
    public static void Print(IReadOnlyList<MonitorFigures> figures)
    {
        Console.WriteLine();
        Console.WriteLine("| contender | events published | ingested | seconds | events/s | tasks kept | RSS before MB | RSS with tasks MB | bytes/task | first page of tasks ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (MonitorFigures f in figures)
        {
            Console.WriteLine($"| {f.Contender} | {f.EventsPublished:N0} | {f.EventsIngested:N0} | {f.IngestSeconds:N1} | {f.EventsPerSecond:N0} | {f.Tasks:N0} | {f.BaselineMegabytes:N1} | {f.LoadedMegabytes:N1} | {f.BytesPerTask:N0} | {f.FirstPageMilliseconds:N0} |");
        }
    }

    private static async Task<int> PublishAsync(IChannel channel, string run, int tasks, string[] types, int? perSecond)
    {
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Transient };
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (int i = 0; i < tasks; i++)
        {
            string id = $"{run}-{i:D7}-{Guid.NewGuid():N}";
            string name = s_taskNames[i % s_taskNames.Length];
            foreach (string type in types)
            {
                double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                string body = type switch
                {
                    "task-received" => $$"""{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":{{sent}},"uuid":"{{id}}","name":"{{name}}","args":"({{i}}, 2)","kwargs":"{}","root_id":"{{id}}","parent_id":null,"retries":0,"eta":null,"expires":null,"timestamp":{{now.ToString(CultureInfo.InvariantCulture)}},"type":"task-received"}""",
                    "task-started" => $$"""{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":{{sent}},"uuid":"{{id}}","timestamp":{{now.ToString(CultureInfo.InvariantCulture)}},"type":"task-started"}""",
                    _ => $$"""{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":{{sent}},"uuid":"{{id}}","name":"{{name}}","args":"({{i}}, 2)","kwargs":"{}","result":"{{i + 2}}","runtime":0.0012,"timestamp":{{now.ToString(CultureInfo.InvariantCulture)}},"type":"task-succeeded"}""",
                };
                await channel.BasicPublishAsync("celeryev", type.Replace('-', '.'), false, properties, Encoding.UTF8.GetBytes(body));
                sent++;
            }

            if (perSecond is { } rate && sent % 100 == 0)
            {
                double ahead = (sent / (double)rate) - clock.Elapsed.TotalSeconds;
                if (ahead > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(ahead));
                }
            }
        }

        return sent;
    }

    /// <summary>Polls the contender's event count until it has not moved for 3 s; returns the count and when it last moved.</summary>
    private static async Task<(long Count, double Seconds)> WaitQuietAsync(HttpClient http, string url, Stopwatch since)
    {
        long last = -1;
        double lastMoved = 0;
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromSeconds(3))
        {
            long count = await CountAsync(http, url, null);
            if (count != last)
            {
                last = count;
                lastMoved = since.Elapsed.TotalSeconds;
                quiet.Restart();
            }

            await Task.Delay(100);
        }

        return (last, lastMoved);
    }

    /// <summary>The sum of <c>flower_events_total</c> (of one event type, or all) in the contender's <c>/metrics</c>.</summary>
    private static async Task<long> CountAsync(HttpClient http, string url, string? type)
    {
        string metrics = await http.GetStringAsync(url + "/metrics");
        double total = 0;
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith("flower_events_total{", StringComparison.Ordinal) && (type is null || line.Contains($"type=\"{type}\"", StringComparison.Ordinal)))
            {
                total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return (long)total;
    }

    /// <summary>
    /// The median of five loads of the first page of the task list, newest first: Flower's page and the data table request
    /// its script makes; the monitor's page, which carries its first rows.
    /// </summary>
    private static async Task<double> FirstPageAsync(HttpClient http, string contender, string url)
    {
        string[] requests = contender.StartsWith("flower", StringComparison.Ordinal)
            ? [url + "/tasks", url + "/tasks/datatable?draw=1&start=0&length=100&search%5Bvalue%5D=&order%5B0%5D%5Bcolumn%5D=0&columns%5B0%5D%5Bdata%5D=received&order%5B0%5D%5Bdir%5D=desc"]
            : [url + "/tasks?limit=100"];
        var times = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var watch = Stopwatch.StartNew();
            foreach (string request in requests)
            {
                using HttpResponseMessage response = await http.GetAsync(request);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }

            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
