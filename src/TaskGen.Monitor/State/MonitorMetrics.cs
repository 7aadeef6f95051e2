using System;
using System.Collections.Generic;

namespace TaskGen.Monitor.State;

/// <summary>
/// Flower's six Prometheus series, kept as the events arrive with Flower's rules (so Flower's Grafana dashboard reads
/// them unchanged); each family is capped in label sets so a stream of made-up task names cannot grow memory.
/// </summary>
internal sealed class MonitorMetrics
{
    /// <summary>Prometheus's default histogram buckets, which Flower's <c>task_runtime_metric_buckets</c> defaults to.</summary>
    public static readonly double[] RuntimeBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

    /// <summary>How many label sets one family keeps; events for more are counted in <see cref="DroppedSeries"/>.</summary>
    public const int MaxSeries = 10_000;

    /// <summary><c>flower_events_total{worker, type, task}</c>.</summary>
    public Dictionary<(string Worker, string Type, string Task), double> Events { get; } = [];

    /// <summary><c>flower_events_created{worker, type, task}</c>: when each counter was first counted, as prometheus_client writes it.</summary>
    public Dictionary<(string Worker, string Type, string Task), double> EventsCreated { get; } = [];

    /// <summary><c>flower_task_runtime_seconds{worker, task}</c>.</summary>
    public Dictionary<(string Worker, string Task), RuntimeHistogram> Runtime { get; } = [];

    /// <summary><c>flower_task_prefetch_time_seconds{worker, task}</c>.</summary>
    public Dictionary<(string Worker, string Task), double> PrefetchTime { get; } = [];

    /// <summary><c>flower_worker_prefetched_tasks{worker, task}</c>.</summary>
    public Dictionary<(string Worker, string Task), double> PrefetchedTasks { get; } = [];

    /// <summary><c>flower_worker_online{worker}</c>.</summary>
    public Dictionary<string, double> WorkerOnline { get; } = new(StringComparer.Ordinal);

    /// <summary><c>flower_worker_number_of_currently_executing_tasks{worker}</c>.</summary>
    public Dictionary<string, double> Executing { get; } = new(StringComparer.Ordinal);

    /// <summary>How many updates were not recorded because their family was full.</summary>
    public long DroppedSeries { get; private set; }

    public void CountEvent(string worker, string type, string task, double now)
    {
        Add(Events, (worker, type, task), 1);
        if (Events.ContainsKey((worker, type, task)))
        {
            EventsCreated.TryAdd((worker, type, task), now);
        }
    }

    public void ObserveRuntime(string worker, string task, double seconds, double now)
    {
        if (!Runtime.TryGetValue((worker, task), out RuntimeHistogram? histogram))
        {
            if (Runtime.Count >= MaxSeries)
            {
                DroppedSeries++;
                return;
            }

            Runtime[(worker, task)] = histogram = new RuntimeHistogram { Created = now };
        }

        histogram.Observe(seconds);
    }

    public void Add<TKey>(Dictionary<TKey, double> family, TKey key, double delta)
        where TKey : notnull
    {
        if (family.TryGetValue(key, out double value))
        {
            family[key] = value + delta;
        }
        else if (family.Count < MaxSeries)
        {
            family[key] = delta;
        }
        else
        {
            DroppedSeries++;
        }
    }

    public void Set<TKey>(Dictionary<TKey, double> family, TKey key, double value)
        where TKey : notnull
    {
        if (family.ContainsKey(key) || family.Count < MaxSeries)
        {
            family[key] = value;
        }
        else
        {
            DroppedSeries++;
        }
    }

    /// <summary>Removes every series of <paramref name="worker"/>, as Flower does when it purges an offline worker.</summary>
    public void RemoveWorker(string worker)
    {
        RemoveWhere(Events, key => key.Worker == worker);
        RemoveWhere(EventsCreated, key => key.Worker == worker);
        RemoveWhere(Runtime, key => key.Worker == worker);
        RemoveWhere(PrefetchTime, key => key.Worker == worker);
        RemoveWhere(PrefetchedTasks, key => key.Worker == worker);
        WorkerOnline.Remove(worker);
        Executing.Remove(worker);
    }

    /// <summary>A deep copy for rendering outside the store's lock.</summary>
    public MonitorMetrics Clone()
    {
        var copy = new MonitorMetrics { DroppedSeries = DroppedSeries };
        foreach (var pair in Events)
        {
            copy.Events[pair.Key] = pair.Value;
        }

        foreach (var pair in EventsCreated)
        {
            copy.EventsCreated[pair.Key] = pair.Value;
        }

        foreach (var pair in Runtime)
        {
            copy.Runtime[pair.Key] = pair.Value.Clone();
        }

        foreach (var pair in PrefetchTime)
        {
            copy.PrefetchTime[pair.Key] = pair.Value;
        }

        foreach (var pair in PrefetchedTasks)
        {
            copy.PrefetchedTasks[pair.Key] = pair.Value;
        }

        foreach (var pair in WorkerOnline)
        {
            copy.WorkerOnline[pair.Key] = pair.Value;
        }

        foreach (var pair in Executing)
        {
            copy.Executing[pair.Key] = pair.Value;
        }

        return copy;
    }

    private static void RemoveWhere<TKey, TValue>(Dictionary<TKey, TValue> family, Func<TKey, bool> match)
        where TKey : notnull
    {
        var doomed = new List<TKey>();
        foreach (TKey key in family.Keys)
        {
            if (match(key))
            {
                doomed.Add(key);
            }
        }

        foreach (TKey key in doomed)
        {
            family.Remove(key);
        }
    }
}

/// <summary>One label set of a Prometheus histogram: cumulative bucket counts are computed when rendered.</summary>
internal sealed class RuntimeHistogram
{
    /// <summary>Observations per bucket (not cumulative); the last slot is +Inf.</summary>
    public long[] Buckets { get; private set; } = new long[MonitorMetrics.RuntimeBuckets.Length + 1];

    public double Sum { get; private set; }

    /// <summary>When the label set was first observed, seconds since the epoch (its <c>_created</c> sample).</summary>
    public double Created { get; init; }

    public long Count { get; private set; }

    public void Observe(double value)
    {
        int index = Array.BinarySearch(MonitorMetrics.RuntimeBuckets, value);
        Buckets[index >= 0 ? index : ~index]++;
        Sum += value;
        Count++;
    }

    public RuntimeHistogram Clone()
    {
        var copy = (RuntimeHistogram)MemberwiseClone();
        copy.Buckets = (long[])Buckets.Clone();
        return copy;
    }
}
