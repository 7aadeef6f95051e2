using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Diagnostics;

/// <summary>
/// TaskGen's spans and metrics, on the platform's own <see cref="ActivitySource"/> and <see cref="Meter"/>,
/// so the runtime needs no OpenTelemetry package: whoever wants them subscribes by name. Spans follow the
/// messaging semantic conventions; the producer span travels in the message as a W3C <c>traceparent</c>
/// header (Python Celery keeps it with the message, as it keeps any custom header), so one trace spans
/// producer, worker and the steps a task sends on.
/// </summary>
/// <remarks>
/// With nobody listening a send costs a listener check and adds no header, and a run costs the same
/// plus the bookkeeping of the two gauges.
/// </remarks>
internal static class TaskGenTelemetry
{
    /// <summary>The W3C trace context header, as OpenTelemetry's Celery instrumentation also writes it.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The W3C vendor trace state header that goes with <see cref="TraceParentHeader"/>.</summary>
    public const string TraceStateHeader = "tracestate";

    // TaskGen's wire format is AMQP's; the in-memory transport stands in for RabbitMQ in tests and is not a
    // system users monitor, so it is not told apart.
    private const string MessagingSystem = "rabbitmq";
    private const string TaskNameTag = "taskgen.task.name";
    private const string DestinationTag = "messaging.destination.name";

    private static readonly string? s_version = typeof(TaskGenTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The source of TaskGen's spans.</summary>
    public static readonly ActivitySource Source = new(TaskGenDiagnostics.SourceName, s_version);

    /// <summary>The meter of TaskGen's instruments.</summary>
    public static readonly Meter Meter = new(TaskGenDiagnostics.MeterName, s_version);

    private static readonly Counter<long> s_sent = Meter.CreateCounter<long>(
        "taskgen.tasks.sent", "{task}", "Task messages the broker accepted from this process: calls and the steps workers send on.");

    private static readonly Counter<long> s_received = Meter.CreateCounter<long>(
        "taskgen.tasks.received", "{task}", "Task messages a worker took from its queues for a task it knows.");

    private static readonly Counter<long> s_succeeded = Meter.CreateCounter<long>(
        "taskgen.tasks.succeeded", "{task}", "Tasks that ended in the SUCCESS state.");

    private static readonly Counter<long> s_failed = Meter.CreateCounter<long>(
        "taskgen.tasks.failed", "{task}", "Tasks that ended in the FAILURE state: they threw, hit a time limit, or were sent arguments that do not fit.");

    private static readonly Counter<long> s_retried = Meter.CreateCounter<long>(
        "taskgen.tasks.retried", "{task}", "Task runs that ended in the RETRY state: the task was sent back to its queue to run again later.");

    private static readonly Histogram<double> s_runtime = Meter.CreateHistogram<double>(
        "taskgen.task.runtime", "s", "How long a task's own code ran, for tasks that succeeded or failed.");

    private static readonly Histogram<double> s_queueWait = Meter.CreateHistogram<double>(
        "taskgen.task.queue_wait", "s", "How long a task waited on its worker, from its delivery (or its ETA, when later) until its code started.");

    // Gauges over running totals rather than up-down counters: a listener that subscribes while tasks are in
    // flight would otherwise see their ends without their starts and report negative counts.
    private static readonly TaskGauge s_active = new(
        "taskgen.tasks.active", "Tasks whose code is running now.");

    private static readonly TaskGauge s_prefetched = new(
        "taskgen.tasks.prefetched", "Task messages a worker holds without running them yet: waiting for a free slot or for their ETA.");

    /// <summary>
    /// Watches every task message the process sends: a producer span around the publish (a child of the current
    /// span, such as the consumer span of the task that sends it on) whose context travels in the message, and a
    /// count of the new tasks the broker accepted (a retry or a copy is the same task, not counted again).
    /// </summary>
    public static ISendObserver Sends { get; } = new SendTelemetry();

    /// <summary>
    /// Starts the consumer span of one task run. Its parent is the context in the message's <c>traceparent</c>
    /// header; a message without one, or with one that does not parse, starts a new trace rather than joining
    /// whatever span happens to be current on the consuming thread.
    /// </summary>
    public static Activity? StartProcess(TaskRequest request, string queue)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        if (!TryExtract(request.Headers, out ActivityContext parent))
        {
            Activity.Current = null;
        }

        Activity? activity = Source.StartActivity(ActivityKind.Consumer, parent, name: "process " + request.Name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", MessagingSystem);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag(DestinationTag, queue);
            activity.SetTag("messaging.message.id", request.Id);
            activity.SetTag(TaskNameTag, request.Name);
        }

        return activity;
    }

    /// <summary>Reads a W3C trace context from message headers; false when there is none or it does not parse.</summary>
    public static bool TryExtract(IDictionary<string, object?> headers, out ActivityContext context)
    {
        context = default;
        return TaskMessageCodec.HeaderString(headers, TraceParentHeader) is { } traceParent
            && ActivityContext.TryParse(traceParent, TaskMessageCodec.HeaderString(headers, TraceStateHeader), isRemote: true, out context);
    }

    /// <summary>Records a task's final state on its consumer span, and marks the span failed with the remote type.</summary>
    public static void SetOutcome(Activity? activity, TaskState state, RemoteException? failure)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("taskgen.task.state", TaskStates.ToCelery(state));
        if (failure is not null)
        {
            activity.SetTag("error.type", failure.Type);
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
        }
    }

    /// <summary>Marks a span failed by an exception of the worker or the transport rather than of the task.</summary>
    public static void SetError(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("error.type", exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    /// <summary>A worker took a message for a known task: it is received, and prefetched until it starts or is dropped.</summary>
    public static void Received(string taskName, string queue)
    {
        if (s_received.Enabled)
        {
            s_received.Add(1, Tags(taskName, queue));
        }

        s_prefetched.Add(taskName, queue, 1);
    }

    /// <summary>A received message left the worker's hands unstarted (its channel went, or the worker stops), or is about to start.</summary>
    public static void LeftPrefetch(string taskName, string queue) => s_prefetched.Add(taskName, queue, -1);

    /// <summary>A task's code starts, after waiting on the worker since <paramref name="readySince"/>.</summary>
    public static void Started(string taskName, string queue, DateTimeOffset readySince)
    {
        s_active.Add(taskName, queue, 1);
        if (s_queueWait.Enabled)
        {
            s_queueWait.Record(Math.Max(0, (DateTimeOffset.UtcNow - readySince).TotalSeconds), Tags(taskName, queue));
        }
    }

    /// <summary>A task's code returned, threw or was abandoned.</summary>
    public static void Stopped(string taskName, string queue) => s_active.Add(taskName, queue, -1);

    /// <summary>Counts a task that ended in SUCCESS or FAILURE, with how long its code ran.</summary>
    public static void Finished(string taskName, string queue, bool succeeded, TimeSpan runtime)
    {
        Counter<long> counter = succeeded ? s_succeeded : s_failed;
        if (counter.Enabled)
        {
            counter.Add(1, Tags(taskName, queue));
        }

        if (s_runtime.Enabled)
        {
            s_runtime.Record(runtime.TotalSeconds, Tags(taskName, queue));
        }
    }

    /// <summary>Counts a run that ended in RETRY, with how long its code ran.</summary>
    public static void Retried(string taskName, string queue, TimeSpan runtime)
    {
        if (s_retried.Enabled)
        {
            s_retried.Add(1, Tags(taskName, queue));
        }

        if (s_runtime.Enabled)
        {
            s_runtime.Record(runtime.TotalSeconds, Tags(taskName, queue));
        }
    }

    private static Activity? StartSend(TransportMessage message, string taskId, string taskName, string queue)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity("send " + taskName, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", MessagingSystem);
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag(DestinationTag, queue);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", message.RoutingKey);
            activity.SetTag("messaging.message.id", taskId);
            activity.SetTag(TaskNameTag, taskName);
        }

        return activity;
    }

    private sealed class SendTelemetry : ISendObserver
    {
        public bool Enabled => Source.HasListeners() || s_sent.Enabled;

        public IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind)
        {
            Activity? activity = StartSend(message, taskId, taskName, queue);
            if (activity is not null)
            {
                Inject(activity, message.Headers);
            }

            return activity;
        }

        public void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure)
        {
            if (failure is not null)
            {
                SetError(scope as Activity, failure);
                return;
            }

            if ((kind is SendKind.Call or SendKind.FollowUp) && s_sent.Enabled)
            {
                s_sent.Add(1, Tags(taskName, queue));
            }
        }
    }

    /// <summary>Writes the span's W3C context into the headers, replacing any a caller passed along.</summary>
    private static void Inject(Activity activity, IDictionary<string, object?> headers)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            // A process that chose hierarchical ids has no W3C context to give.
            return;
        }

        headers[TraceParentHeader] = activity.Id;
        if (string.IsNullOrEmpty(activity.TraceStateString))
        {
            headers.Remove(TraceStateHeader);
        }
        else
        {
            headers[TraceStateHeader] = activity.TraceStateString;
        }
    }

    private static TagList Tags(string taskName, string queue) => new()
    {
        { TaskNameTag, taskName },
        { DestinationTag, queue },
    };

    /// <summary>Process-wide running totals per task and queue, observed on collection.</summary>
    private sealed class TaskGauge
    {
        // Only names of registered tasks and declared queues reach a worker's gauges, so the keys stay few.
        private readonly ConcurrentDictionary<(string Task, string Queue), StrongBox<long>> _counts = new();

        public TaskGauge(string name, string description) => Meter.CreateObservableUpDownCounter(name, Observe, "{task}", description);

        public void Add(string taskName, string queue, long delta) =>
            Interlocked.Add(ref _counts.GetOrAdd((taskName, queue), static _ => new StrongBox<long>()).Value, delta);

        public IEnumerable<Measurement<long>> Observe()
        {
            var measurements = new List<Measurement<long>>(_counts.Count);
            foreach (KeyValuePair<(string Task, string Queue), StrongBox<long>> entry in _counts)
            {
                measurements.Add(new Measurement<long>(
                    Interlocked.Read(ref entry.Value.Value),
                    new KeyValuePair<string, object?>(TaskNameTag, entry.Key.Task),
                    new KeyValuePair<string, object?>(DestinationTag, entry.Key.Queue)));
            }

            return measurements;
        }
    }
}
