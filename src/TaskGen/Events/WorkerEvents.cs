using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

using TaskGen.Worker;

namespace TaskGen.Events;

/// <summary>
/// Sends Celery's events to the <c>celeryev</c> topic exchange, so that <c>celery events</c>, Flower and
/// other monitors see TaskGen workers: online, a heartbeat every two seconds, offline, and the task
/// events when they are enabled.
/// </summary>
internal sealed partial class WorkerEvents : IWorkerService, ITaskObserver
{
    /// <summary>The topic exchange events go to.</summary>
    public const string Exchange = EventMessage.Exchange;

    /// <summary>How often a heartbeat is sent, in seconds (Celery's default).</summary>
    public const double HeartbeatFrequency = 2.0;

    private static readonly ExchangeSpecification s_exchange = new(Exchange, ExchangeKind.Topic);

    private readonly ITransport _transport;
    private readonly IWorkerState _worker;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Diagnostics.LogThrottle _failures;
    private Task? _heartbeats;
    private long _clock;
    private volatile bool _online;

    public WorkerEvents(ITransport transport, IWorkerState worker, bool taskEvents, ILogger logger, TimeProvider? time = null)
    {
        _transport = transport;
        _worker = worker;
        TaskEvents = taskEvents;
        _logger = logger;
        _failures = new Diagnostics.LogThrottle(FailureLogInterval, time);
    }

    /// <summary>The least time between two logged event failures; the ones in between are counted, not logged.</summary>
    public static TimeSpan FailureLogInterval { get; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether task events are sent as well as worker events; <c>enable_events</c>/<c>disable_events</c> switch it.</summary>
    public bool TaskEvents { get; set; }

    // The worker holds this observer from its construction, but its tasks are only reported once the worker is
    // online: monitors hear worker-online first, and nothing is published before the exchange is declared.
    private bool SendsTaskEvents => TaskEvents && _online;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _transport.DeclareExchangeAsync(s_exchange, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // Monitors are optional: a worker without its event exchange still does its work.
            ReportFailure("worker-online", ex);
        }

        await SendWorkerEventAsync("worker-online").ConfigureAwait(false);
        _online = true;
        _heartbeats = HeartbeatAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_heartbeats is not null)
        {
            await _heartbeats.ConfigureAwait(false);
            await SendWorkerEventAsync("worker-offline").ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    public ValueTask TaskReceivedAsync(TaskRequest request) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-received", w =>
    {
        w.WriteString("uuid", request.Id);
        w.WriteString("name", request.Name);
        w.WriteString("args", request.ArgsRepr is { } args ? EventRepr.Truncate(args) : EventRepr.Truncate(request.Args.Span));
        w.WriteString("kwargs", request.KwargsRepr is { } kwargs ? EventRepr.Truncate(kwargs) : EventRepr.Truncate(request.Kwargs.Span));
        w.WriteString("root_id", request.RootId);
        w.WriteString("parent_id", request.ParentId);
        w.WriteNumber("retries", request.Retries);
        EventMessage.WriteDate(w, "eta", request.Eta);
        EventMessage.WriteDate(w, "expires", request.Expires);

        // Not in Celery's own event, which a monitor would otherwise have to fetch from the result backend to draw a canvas;
        // written only for group members, so the event of a plain task stays what Celery sends.
        if (request.Group is { } group)
        {
            w.WriteString("group", group);
            if (request.GroupIndex is { } index)
            {
                w.WriteNumber("group_index", index);
            }
        }
    });

    public ValueTask TaskStartedAsync(TaskRequest request) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-started", w =>
    {
        w.WriteString("uuid", request.Id);
        w.WriteNumber("pid", Environment.ProcessId);
    });

    public ValueTask TaskSucceededAsync(TaskRequest request, ReadOnlyMemory<byte> resultJson, TimeSpan runtime) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-succeeded", w =>
    {
        w.WriteString("uuid", request.Id);
        w.WriteString("result", resultJson.IsEmpty ? "None" : EventRepr.Truncate(resultJson.Span));
        w.WriteNumber("runtime", runtime.TotalSeconds);
    });

    public ValueTask TaskFailedAsync(TaskRequest request, RemoteException exception, string? traceback) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-failed", w => WriteException(w, request, exception, traceback));

    public ValueTask TaskRevokedAsync(TaskRequest request, bool terminated, bool expired) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-revoked", w =>
    {
        w.WriteString("uuid", request.Id);
        w.WriteBoolean("terminated", terminated);

        // Celery names the signal that killed the pool process; a TaskGen task is cancelled, not signalled.
        w.WriteNull("signum");
        w.WriteBoolean("expired", expired);
    });

    public ValueTask TaskRetriedAsync(TaskRequest request, RemoteException exception, string? traceback) => !SendsTaskEvents ? ValueTask.CompletedTask : SendAsync("task-retried", w => WriteException(w, request, exception, traceback));

    /// <summary>The fields <c>task-failed</c> and <c>task-retried</c> share, with the exception in Python's repr form as Celery sends it.</summary>
    private static void WriteException(Utf8JsonWriter w, TaskRequest request, RemoteException exception, string? traceback)
    {
        w.WriteString("uuid", request.Id);
        w.WriteString("exception", $"{exception.Type}('{exception.Message.Replace("'", "\\'", StringComparison.Ordinal)}')");
        w.WriteString("traceback", traceback);
    }

    /// <summary>Sends a heartbeat now, as the <c>heartbeat</c> remote-control command asks.</summary>
    public ValueTask HeartbeatNowAsync() => SendWorkerEventAsync("worker-heartbeat");

    private async Task HeartbeatAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(HeartbeatFrequency));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await SendWorkerEventAsync("worker-heartbeat").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private ValueTask SendWorkerEventAsync(string type) => SendAsync(type, w =>
    {
        w.WriteNumber("freq", HeartbeatFrequency);
        w.WriteNumber("active", _worker.Active.Count);
        long processed = 0;
        foreach (long count in _worker.Processed.Values)
        {
            processed += count;
        }

        w.WriteNumber("processed", processed);
        w.WriteStartArray("loadavg");
        foreach (double load in LoadAverage())
        {
            w.WriteNumberValue(load);
        }

        w.WriteEndArray();
        w.WriteString("sw_ident", "TaskGen");
        w.WriteString("sw_ver", typeof(WorkerEvents).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        w.WriteString("sw_sys", Environment.OSVersion.Platform == PlatformID.Unix ? "Linux" : Environment.OSVersion.Platform.ToString());
    });

    private async ValueTask SendAsync(string type, Action<Utf8JsonWriter> fields)
    {
        // Events are for monitors: nothing about one (building it, a refused publish, a closed channel) may
        // reach the task or the worker that sends it.
        try
        {
            TransportMessage message = EventMessage.Create(type, _worker.NodeName, Interlocked.Increment(ref _clock), fields);
            await _transport.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReportFailure(type, ex);
        }
    }

    private void ReportFailure(string type, Exception exception)
    {
        if (_failures.ShouldLog(out long suppressed))
        {
            LogEventNotSent(_logger, type, Diagnostics.LogText.Escape(exception.Message), suppressed);
        }
    }

    private static double[] LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return [Parse(parts[0]), Parse(parts[1]), Parse(parts[2])];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or FormatException)
        {
            return [0, 0, 0];
        }

        static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Type} was not sent: {Reason} ({Suppressed} earlier failure(s) not logged; at most one is logged per minute).")]
    private static partial void LogEventNotSent(ILogger logger, string type, string reason, long suppressed);
}
