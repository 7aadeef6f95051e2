using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// What the live view pushes and the front page draws: task counts by state, workers online, the latest tasks, and
/// succeeded/failed per 10 seconds over the last 10 minutes. Built at most twice a second per store and shared by
/// every open page, so many watchers cost no more than one.
/// </summary>
internal sealed class LiveSummary
{
    /// <summary>Seconds per throughput bucket.</summary>
    public const int BucketSeconds = 10;

    /// <summary>How many buckets the throughput chart shows: 10 minutes.</summary>
    public const int Buckets = 60;

    /// <summary>How many of the newest tasks each message carries, for the task list's first page.</summary>
    public const int LatestCount = 15;

    // A summary is reused while nothing changed, and for a while after a change so that a flood watched by many
    // pages costs one build per while: at least a quarter second, and five times what the last build took, so that
    // with 100,000 tasks kept (a build then scans them several times under the store's lock) the live view takes a
    // bounded share of the time and events keep flowing in. A stream that got a summary older than a change waits on
    // that summary's Changed, which is then already complete, and so fetches a current one on its next turn.
    private static readonly TimeSpan s_reuse = TimeSpan.FromMilliseconds(250);
    private static readonly ConditionalWeakTable<MonitorStore, Cached> s_cache = [];

    private LiveSummary(double now) => Now = now;

    public double Now { get; }

    /// <summary>Completes at the first change after the summary was read: a stream waits on it for its next message.</summary>
    public System.Threading.Tasks.Task Changed { get; private init; } = System.Threading.Tasks.Task.CompletedTask;

    public Dictionary<string, int> States { get; } = new(StringComparer.Ordinal);

    public int Total { get; private set; }

    public int WorkersOnline { get; private set; }

    public List<(string Hostname, bool Alive, int? Active, long? Processed)> Workers { get; } = [];

    public List<TaskRecord> Latest { get; private set; } = [];

    public int[] Succeeded { get; } = new int[Buckets];

    public int[] Failed { get; } = new int[Buckets];

    /// <summary>The summary of now, or a shared one built since the last change or within the reuse window.</summary>
    /// <param name="store">The store.</param>
    /// <param name="fresh">Builds anew even when nothing changed: the clock alone moves heartbeat ages and online states.</param>
    public static LiveSummary Build(MonitorStore store, bool fresh = false)
    {
        Cached cached = s_cache.GetOrCreateValue(store);
        lock (cached)
        {
            long stamp = Environment.TickCount64;
            if (cached.Summary is null || (fresh && stamp - cached.Built >= s_reuse.TotalMilliseconds) || (cached.Summary.Changed.IsCompleted && stamp - cached.Built >= Math.Max(s_reuse.TotalMilliseconds, 5 * cached.Cost)))
            {
                cached.Summary = Compute(store);
                cached.Built = stamp;
                cached.Cost = Environment.TickCount64 - stamp;
            }

            return cached.Summary;
        }
    }

    /// <summary>The summary as the JSON of one server-sent event; the writer escapes markup characters, and the page inserts values as text.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("now", Now);
            json.WriteNumber("total", Total);
            json.WriteNumber("workersOnline", WorkersOnline);
            json.WriteStartObject("states");
            foreach (KeyValuePair<string, int> state in States)
            {
                json.WriteNumber(state.Key, state.Value);
            }

            json.WriteEndObject();
            json.WriteStartArray("workers");
            foreach (var worker in Workers)
            {
                json.WriteStartObject();
                json.WriteString("hostname", worker.Hostname);
                json.WriteBoolean("online", worker.Alive);
                Number(json, "active", worker.Active);
                Number(json, "processed", worker.Processed);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("tasks");
            foreach (TaskRecord task in Latest)
            {
                json.WriteStartObject();
                json.WriteString("id", task.Id);
                json.WriteString("name", task.Name);
                json.WriteString("state", task.State);
                json.WriteString("stateClass", Html.StateClass(task.State));
                json.WriteString("args", Html.Short(task.Args));
                json.WriteString("kwargs", Html.Short(task.Kwargs));
                json.WriteString("result", Html.Short(task.Result ?? task.Exception));
                json.WriteString("received", Html.Time(task.Received));
                json.WriteString("started", Html.Time(task.Started));
                json.WriteString("runtime", Html.Duration(task.Runtime));
                json.WriteString("worker", task.Worker);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("bucketSeconds", BucketSeconds);
            Series(json, "succeeded", Succeeded);
            Series(json, "failed", Failed);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static LiveSummary Compute(MonitorStore store)
    {
        double now = store.Now;
        var summary = new LiveSummary(now) { Changed = store.NextChange };
        IReadOnlyDictionary<string, int> counts = store.CountByState();
        foreach (string state in CeleryStates.All)
        {
            summary.States[state] = counts.TryGetValue(state, out int count) ? count : 0;
        }

        summary.Total = store.TaskCount;
        foreach (WorkerRecord worker in store.Workers())
        {
            bool alive = worker.IsAlive(now);
            summary.WorkersOnline += alive ? 1 : 0;
            summary.Workers.Add((worker.Hostname, alive, worker.Active, worker.Processed));
        }

        summary.Latest = [.. store.Query(new TaskQuery { Limit = LatestCount }).Tasks];

        // Finished tasks of the last ten minutes, found by when they were received: the store indexes no finish
        // time, and a task that waited longer than the window before it ran is rare enough to leave out.
        double start = now - (Buckets * BucketSeconds);
        TaskPage finished = store.Query(new TaskQuery { States = [CeleryStates.Success, CeleryStates.Failure], ReceivedStart = start - 60, SortBy = "timestamp" });
        foreach (TaskRecord task in finished.Tasks)
        {
            double? at = task.State == CeleryStates.Success ? task.Succeeded : task.Failed;
            if (at is { } t && t >= start && t <= now + 1)
            {
                int bucket = Math.Clamp((int)((t - start) / BucketSeconds), 0, Buckets - 1);
                (task.State == CeleryStates.Success ? summary.Succeeded : summary.Failed)[bucket]++;
            }
        }

        return summary;
    }

    private static void Number(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Series(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        foreach (int value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private sealed class Cached
    {
        public LiveSummary? Summary { get; set; }

        public long Built { get; set; }

        /// <summary>How many milliseconds the last build took.</summary>
        public long Cost { get; set; }
    }
}
