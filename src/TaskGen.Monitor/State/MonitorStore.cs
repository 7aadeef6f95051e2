using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Monitor.State;

/// <summary>
/// What the monitor knows: tasks in a least-recently-updated order capped at <see cref="MonitorOptions.MaxTasks"/>,
/// workers capped at <see cref="MonitorOptions.MaxWorkers"/>, Flower's metrics and the counts of what was dropped.
/// One lock guards it all: events arrive one consumer at a time, and readers copy out only the page they render.
/// </summary>
internal sealed partial class MonitorStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);
    private readonly LinkedList<TaskRecord> _recency = new();
    private readonly Dictionary<string, WorkerRecord> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _orphans = new(StringComparer.Ordinal);
    private readonly Queue<string> _orphanOrder = new();
    private long _orphanCount;
    private readonly SortedSet<string> _taskTypes = new(StringComparer.Ordinal);
    private readonly MonitorMetrics _metrics = new();
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private long _bytes;

    public MonitorStore(MonitorOptions options, TimeProvider? time = null)
    {
        Options = options;
        _time = time ?? TimeProvider.System;
    }

    public MonitorOptions Options { get; }

    /// <summary>How many events were taken in.</summary>
    public long EventsReceived { get; private set; }

    /// <summary>How many text fields were cut to <see cref="MonitorOptions.MaxFieldLength"/>.</summary>
    public long FieldsTruncated { get; private set; }

    /// <summary>How many tasks were evicted to keep to <see cref="MonitorOptions.MaxTasks"/>.</summary>
    public long TasksEvicted { get; private set; }

    /// <summary>Since when (seconds since the epoch) events are being sampled because of a flood, or null.</summary>
    public double? SamplingSince { get; private set; }

    /// <summary>How many child ids wait for a parent not seen yet (capped at <see cref="MonitorOptions.MaxTasks"/>).</summary>
    internal long OrphanCount
    {
        get
        {
            lock (_gate)
            {
                return _orphanCount;
            }
        }
    }

    /// <summary>The estimated bytes the kept tasks hold.</summary>
    public long TaskBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public int TaskCount
    {
        get
        {
            lock (_gate)
            {
                return _tasks.Count;
            }
        }
    }

    /// <summary>The current time, seconds since the epoch.</summary>
    public double Now => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Events dropped, by reason (<c>malformed</c>, <c>oversized</c>, <c>sampled</c>, ...).</summary>
    public IReadOnlyDictionary<string, long> Dropped
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_dropped, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Completes at the next change; the live view waits on it rather than polling.</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public TaskRecord? GetTask(string id)
    {
        lock (_gate)
        {
            return _tasks.TryGetValue(id, out TaskRecord? task) ? task.Clone() : null;
        }
    }

    /// <summary>The tasks that are the given task's family, found by id: its parent, root and children, each if kept.</summary>
    public IReadOnlyList<TaskRecord> GetTasks(IEnumerable<string> ids)
    {
        var found = new List<TaskRecord>();
        lock (_gate)
        {
            foreach (string id in ids)
            {
                if (_tasks.TryGetValue(id, out TaskRecord? task))
                {
                    found.Add(task.Clone());
                }
            }
        }

        return found;
    }

    /// <summary>The kept tasks that belong to <paramref name="group"/> or share <paramref name="rootId"/>, for the canvas view.</summary>
    public IReadOnlyList<TaskRecord> GetCanvas(string? rootId, string? group, int limit = 1_000)
    {
        var found = new List<TaskRecord>();
        lock (_gate)
        {
            foreach (TaskRecord task in _recency)
            {
                if ((rootId is not null && task.RootId == rootId) || (group is not null && task.Group == group) || task.Id == rootId)
                {
                    found.Add(task.Clone());
                    if (found.Count >= limit)
                    {
                        break;
                    }
                }
            }
        }

        return found;
    }

    /// <summary>Filters, sorts and pages the kept tasks; only the page is copied.</summary>
    public TaskPage Query(TaskQuery query)
    {
        var matches = new List<TaskRecord>();
        lock (_gate)
        {
            foreach (TaskRecord task in _recency)
            {
                if (query.Matches(task))
                {
                    matches.Add(task);
                }
            }

            // A count alone (Limit 0, as the live summary asks) needs no order.
            if (query.Limit is not 0)
            {
                matches.Sort(query.Compare);
            }

            int offset = Math.Clamp(query.Offset, 0, matches.Count);
            int count = Math.Clamp(query.Limit ?? matches.Count, 0, matches.Count - offset);
            var page = new List<TaskRecord>(count);
            for (int i = offset; i < offset + count; i++)
            {
                page.Add(matches[i].Clone());
            }

            return new TaskPage(matches.Count, page);
        }
    }

    /// <summary>How many kept tasks are in each state, in one pass, for the counts every page shows.</summary>
    public IReadOnlyDictionary<string, int> CountByState()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (TaskRecord task in _recency)
            {
                counts[task.State] = counts.TryGetValue(task.State, out int count) ? count + 1 : 1;
            }
        }

        return counts;
    }

    public IReadOnlyList<string> TaskTypes()
    {
        lock (_gate)
        {
            return [.. _taskTypes];
        }
    }

    public IReadOnlyList<WorkerRecord> Workers()
    {
        lock (_gate)
        {
            var workers = new List<WorkerRecord>(_workers.Count);
            foreach (WorkerRecord worker in _workers.Values)
            {
                workers.Add(worker.Clone());
            }

            workers.Sort((a, b) => string.CompareOrdinal(a.Hostname, b.Hostname));
            return workers;
        }
    }

    public WorkerRecord? GetWorker(string hostname)
    {
        lock (_gate)
        {
            return _workers.TryGetValue(hostname, out WorkerRecord? worker) ? worker.Clone() : null;
        }
    }

    public MonitorMetrics Metrics()
    {
        lock (_gate)
        {
            return _metrics.Clone();
        }
    }

    /// <summary>Keeps a worker's latest reply to an <c>inspect</c> method; a worker seen only this way is added.</summary>
    public void SetInspect(string hostname, string method, JsonElement reply)
    {
        lock (_gate)
        {
            if (WorkerFor(hostname) is { } worker)
            {
                worker.Inspect[method] = reply.Clone();
                worker.InspectedAt = Now;
                Signal();
            }
        }
    }

    /// <summary>Removes workers offline (or silent past their heartbeat window) for longer than <paramref name="after"/>, and their metrics.</summary>
    public int PurgeOfflineWorkers(TimeSpan after)
    {
        double now = Now;
        int removed = 0;
        lock (_gate)
        {
            foreach (WorkerRecord worker in new List<WorkerRecord>(_workers.Values))
            {
                double lastSeen = worker.LastSeen ?? worker.InspectedAt ?? now;
                if (!worker.IsAlive(now) && now - lastSeen > after.TotalSeconds)
                {
                    _workers.Remove(worker.Hostname);
                    _metrics.RemoveWorker(worker.Hostname);
                    removed++;
                }
            }

            if (removed > 0)
            {
                Signal();
            }
        }

        return removed;
    }

    /// <summary>
    /// Adds a finished task read back from the result backend, unless events already describe it: history that
    /// outlives the monitor's memory.
    /// </summary>
    public bool AddFromBackend(TaskRecord task)
    {
        lock (_gate)
        {
            if (_tasks.ContainsKey(task.Id))
            {
                return false;
            }

            task.Source = "backend";
            Track(task);
            Signal();
            return true;
        }
    }

    internal void CountDropped(string reason)
    {
        lock (_gate)
        {
            _dropped[reason] = _dropped.TryGetValue(reason, out long count) ? count + 1 : 1;
        }
    }

    private void Track(TaskRecord task)
    {
        while (_tasks.Count >= Math.Max(1, Options.MaxTasks) && _recency.First is { } oldest)
        {
            Forget(oldest.Value);
            TasksEvicted++;
        }

        task.Sequence = ++_sequence;
        _tasks[task.Id] = task;
        task.Node = _recency.AddLast(task);
        Measure(task);
        if (_orphans.Remove(task.Id, out List<string>? children))
        {
            task.Children.AddRange(children);
            _orphanCount -= children.Count;
        }
    }

    private void Forget(TaskRecord task)
    {
        _tasks.Remove(task.Id);
        if (task.Node is { } node)
        {
            _recency.Remove(node);
            task.Node = null;
        }

        _bytes -= task.ApproximateBytes;
    }

    private void Touch(TaskRecord task)
    {
        if (task.Node is { } node && node != _recency.Last)
        {
            _recency.Remove(node);
            _recency.AddLast(node);
        }
    }

    /// <summary>Re-estimates a task's bytes: the object, its strings (UTF-16), its lists and the index entries.</summary>
    private void Measure(TaskRecord task)
    {
        long bytes = 320 + (2 * ((long)task.Id.Length + Length(task.Name) + Length(task.Args) + Length(task.Kwargs) + Length(task.Result)
            + Length(task.Exception) + Length(task.Traceback) + Length(task.Eta) + Length(task.Expires) + Length(task.RootId)
            + Length(task.ParentId) + Length(task.Group) + Length(task.Exchange) + Length(task.RoutingKey) + Length(task.Queue)));
        bytes += 48 * task.Children.Count + (72 * task.Timeline.Count);
        foreach (TaskEvent item in task.Timeline)
        {
            bytes += 2 * (long)Length(item.Detail);
        }

        _bytes += bytes - task.ApproximateBytes;
        task.ApproximateBytes = bytes;
    }

    private static int Length(string? text) => text?.Length ?? 0;

    private WorkerRecord? WorkerFor(string hostname)
    {
        if (_workers.TryGetValue(hostname, out WorkerRecord? worker))
        {
            return worker;
        }

        if (_workers.Count >= Math.Max(1, Options.MaxWorkers))
        {
            _dropped["worker-limit"] = _dropped.TryGetValue("worker-limit", out long count) ? count + 1 : 1;
            return null;
        }

        return _workers[hostname] = new WorkerRecord(hostname);
    }

    private void Signal()
    {
        TaskCompletionSource changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}

/// <summary>One page of tasks and how many matched in all.</summary>
internal sealed record TaskPage(int Total, IReadOnlyList<TaskRecord> Tasks);
