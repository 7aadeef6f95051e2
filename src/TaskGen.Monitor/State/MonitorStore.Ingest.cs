using System;
using System.Collections.Generic;
using System.Text.Json;

namespace TaskGen.Monitor.State;

/// <summary>
/// Taking events in. Anyone who can publish to <c>celeryev</c> writes them, so every field is read defensively: an
/// event that is too large, not JSON, not UTF-8 or missing its type, host or task id is counted and dropped; text
/// fields are cut to <see cref="MonitorOptions.MaxFieldLength"/>; a wrong type reads as absent.
/// </summary>
internal sealed partial class MonitorStore
{
    private const int MaxNameLength = 256;
    private static readonly JsonDocumentOptions s_json = new() { MaxDepth = 32 };
    private long _window;
    private long _windowCount;

    /// <summary>Takes in one message from <c>celeryev</c>: one event, or a list of them as Celery's buffered dispatcher sends.</summary>
    /// <param name="body">The message body.</param>
    /// <param name="routingKey">The routing key (the event type with dots); events are sampled by their own type, which a publisher cannot pass off as another.</param>
    public void Ingest(ReadOnlyMemory<byte> body, string? routingKey = null)
    {
        if (body.Length > Options.MaxEventBytes)
        {
            CountDropped("oversized");
            return;
        }

        // The JSON reader finds invalid UTF-8 only in the strings it is asked for; checking first keeps half an event out.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            CountDropped("invalid-utf8");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, s_json);
        }
        catch (JsonException)
        {
            CountDropped("malformed");
            return;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in root.EnumerateArray())
                {
                    IngestOne(item);
                }
            }
            else
            {
                IngestOne(root);
            }
        }
    }

    private void IngestOne(JsonElement element)
    {
        EventFields fields;
        try
        {
            fields = EventFields.Read(element, Options.MaxFieldLength);
        }
        catch (Exception ex) when (ex is InvalidOperationException or JsonException or FormatException or ArgumentException)
        {
            // Invalid UTF-8 in a string surfaces only when the string is read.
            CountDropped("malformed");
            return;
        }

        if (fields.Type is not { Length: > 0 and <= 64 } type || fields.Hostname is not { Length: > 0 and <= MaxNameLength } hostname)
        {
            CountDropped("malformed");
            return;
        }

        // Sampled event by event, so a list of thousands in one message counts as thousands.
        if (Sampled(type))
        {
            CountDropped("sampled");
            return;
        }

        double now = Now;
        lock (_gate)
        {
            EventsReceived++;
            FieldsTruncated += fields.Truncated;
            if (type.StartsWith("worker-", StringComparison.Ordinal))
            {
                ApplyWorker(type, hostname, fields, now);
            }
            else if (type.StartsWith("task-", StringComparison.Ordinal))
            {
                if (fields.Uuid is not { Length: > 0 and <= MaxNameLength } uuid)
                {
                    _dropped["malformed"] = _dropped.TryGetValue("malformed", out long count) ? count + 1 : 1;
                    EventsReceived--;
                    return;
                }

                ApplyTask(type, hostname, uuid, fields, now);
            }

            Signal();
        }
    }

    private void ApplyWorker(string type, string hostname, EventFields fields, double now)
    {
        if (type == "worker-offline")
        {
            if (_workers.TryGetValue(hostname, out WorkerRecord? gone))
            {
                gone.Offline = true;
                gone.Heartbeats.Clear();
                gone.LastSeen = now;
            }

            _metrics.Set(_metrics.WorkerOnline, hostname, 0);
            return;
        }

        if (WorkerFor(hostname) is not { } worker)
        {
            return;
        }

        worker.Offline = false;
        worker.LastSeen = now;
        worker.Pid = fields.Pid ?? worker.Pid;
        worker.Freq = fields.Freq is > 0 and < 86_400 ? fields.Freq.Value : worker.Freq;
        worker.Active = fields.Active ?? worker.Active;
        worker.Processed = fields.Processed ?? worker.Processed;
        worker.Loadavg = fields.Loadavg ?? worker.Loadavg;
        worker.SwIdent = fields.SwIdent ?? worker.SwIdent;
        worker.SwVer = fields.SwVer ?? worker.SwVer;
        worker.SwSys = fields.SwSys ?? worker.SwSys;
        worker.Clock = fields.Clock ?? worker.Clock;
        Heartbeat(worker, now);
        _metrics.Set(_metrics.WorkerOnline, hostname, 1);
        if (type == "worker-heartbeat" && fields.Active is { } active)
        {
            _metrics.Set(_metrics.Executing, hostname, active);
        }
    }

    private static void Heartbeat(WorkerRecord worker, double now)
    {
        if (worker.Heartbeats.Count >= WorkerRecord.MaxHeartbeats)
        {
            worker.Heartbeats.RemoveAt(0);
        }

        worker.Heartbeats.Add(now);
    }

    private void ApplyTask(string type, string hostname, string uuid, EventFields fields, double now)
    {
        if (!_tasks.TryGetValue(uuid, out TaskRecord? task))
        {
            task = new TaskRecord(uuid);
            Track(task);
        }
        else
        {
            Touch(task);
        }

        if (type == "task-sent")
        {
            task.Client = hostname;
        }
        else
        {
            task.Worker = hostname;
            if (WorkerFor(hostname) is { } worker)
            {
                worker.LastSeen = now;
            }
        }

        double timestamp = fields.Timestamp ?? now;
        string state = CeleryStates.FromEvent(type);
        SetTime(task, type, timestamp);

        // Celery's merge: an event that logically happened before the current state (a late task-received after
        // task-succeeded) adds only the fields its state owns, and leaves the state as it is.
        bool earlier = state != CeleryStates.Retry && task.State != CeleryStates.Retry && CeleryStates.Precedence(state) > CeleryStates.Precedence(task.State);
        if (earlier)
        {
            if (state == CeleryStates.Received)
            {
                fields.ApplyReceived(task);
            }
            else
            {
                fields.ApplyAll(task);
            }
        }
        else
        {
            fields.ApplyAll(task);
            task.State = state;
            task.Timestamp = timestamp;
        }

        if (task.Timeline.Count >= TaskRecord.MaxTimeline)
        {
            task.Timeline.RemoveAt(0);
        }

        task.Timeline.Add(new TaskEvent(type, timestamp, hostname, fields.Exception));
        if (task.Name is { } name && _taskTypes.Count < 10_000)
        {
            _taskTypes.Add(name);
        }

        LinkParent(task);
        Measure(task);
        CountTaskMetrics(type, hostname, task, fields, now);
    }

    private static void SetTime(TaskRecord task, string type, double timestamp)
    {
        switch (type)
        {
            case "task-sent": task.Sent = timestamp; break;
            case "task-received": task.Received = timestamp; break;
            case "task-started": task.Started = timestamp; break;
            case "task-succeeded": task.Succeeded = timestamp; break;
            case "task-failed": task.Failed = timestamp; break;
            case "task-retried": task.Retried = timestamp; break;
            case "task-revoked": task.Revoked = timestamp; break;
            case "task-rejected": task.Rejected = timestamp; break;
        }
    }

    private void LinkParent(TaskRecord task)
    {
        if (task.ParentId is not { } parentId || parentId == task.Id)
        {
            return;
        }

        if (_tasks.TryGetValue(parentId, out TaskRecord? parent))
        {
            if (parent.Children.Count < 10_000 && !parent.Children.Contains(task.Id))
            {
                parent.Children.Add(task.Id);
                Measure(parent);
            }
        }
        else
        {
            // The parent's events may come later (or never): its children wait for it, as Celery's _tasks_to_resolve.
            // The waiting ids are capped at MaxTasks in all, the parents waited for longest giving way first.
            if (!_orphans.TryGetValue(parentId, out var waiting))
            {
                _orphans[parentId] = waiting = [];
                _orphanOrder.Enqueue(parentId);
            }

            if (waiting.Count < 10_000 && !waiting.Contains(task.Id))
            {
                waiting.Add(task.Id);
                _orphanCount++;
            }

            while (_orphanCount > Math.Max(1, Options.MaxTasks) && _orphanOrder.TryDequeue(out string? oldest))
            {
                if (_orphans.Remove(oldest, out List<string>? dropped))
                {
                    _orphanCount -= dropped.Count;
                }
            }

            // Parents that came take their children with them but leave their place in the order; drop those places
            // once they outnumber the waiting parents, so the order stays as small as what it orders.
            if (_orphanOrder.Count > (2 * _orphans.Count) + 1_024)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var live = new List<string>(_orphans.Count);
                foreach (string waitedFor in _orphanOrder)
                {
                    if (_orphans.ContainsKey(waitedFor) && seen.Add(waitedFor))
                    {
                        live.Add(waitedFor);
                    }
                }

                _orphanOrder.Clear();
                foreach (string waitedFor in live)
                {
                    _orphanOrder.Enqueue(waitedFor);
                }
            }
        }
    }

    /// <summary>Flower's rules for its six metrics, event by event.</summary>
    private void CountTaskMetrics(string type, string hostname, TaskRecord task, EventFields fields, double now)
    {
        string name = fields.Name ?? task.Name ?? string.Empty;
        _metrics.CountEvent(hostname, type, name, now);
        if (fields.Runtime is > 0 and { } runtime)
        {
            _metrics.ObserveRuntime(hostname, name, runtime, now);
        }

        bool hasEta = !string.IsNullOrEmpty(task.Eta);
        if (type == "task-received" && !hasEta && task.Received is not null)
        {
            _metrics.Add(_metrics.PrefetchedTasks, (hostname, name), 1);
        }

        if (type == "task-started" && !hasEta && task.Started is { } started && task.Received is { } received)
        {
            _metrics.Set(_metrics.PrefetchTime, (hostname, name), started - received);
            _metrics.Add(_metrics.PrefetchedTasks, (hostname, name), -1);
        }

        if (type is "task-succeeded" or "task-failed" && !hasEta && task.Started is not null && task.Received is not null)
        {
            _metrics.Set(_metrics.PrefetchTime, (hostname, name), 0);
        }
    }

    /// <summary>
    /// Whether to drop an event because more than <see cref="MonitorOptions.MaxEventsPerSecond"/> came this second: the
    /// task's intermediate events go first, then all but one in ten task events; worker events always pass.
    /// </summary>
    private bool Sampled(string type)
    {
        long second = _time.GetTimestamp() / _time.TimestampFrequency;
        lock (_gate)
        {
            if (second != _window)
            {
                if (_windowCount <= Options.MaxEventsPerSecond)
                {
                    SamplingSince = null;
                }

                _window = second;
                _windowCount = 0;
            }

            long count = ++_windowCount;
            if (count <= Options.MaxEventsPerSecond || type.StartsWith("worker-", StringComparison.Ordinal))
            {
                return false;
            }

            SamplingSince ??= Now;
            bool intermediate = type is "task-sent" or "task-received" or "task-started";
            return intermediate || (count > 2L * Options.MaxEventsPerSecond && count % 10 != 0);
        }
    }
}
