using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Events;

/// <summary>
/// Celery's <c>task_send_sent_event</c>: after the broker takes a task message that this app or one of its workers
/// sent (a call, a canvas member, a follow-up, a retry), a <c>task-sent</c> event with the fields Celery's producer
/// gives it goes to the <c>celeryev</c> exchange. Watches the one outgoing path, so no send site knows about it.
/// </summary>
/// <remarks>
/// The event is built from the message's own headers, so it says exactly what was sent. It is published in the
/// background, never awaited by the send: at most <see cref="MaxPending"/> events are in flight, and past that an
/// event is dropped (and counted in the throttled warning) rather than held, so a slow or refusing <c>celeryev</c>
/// costs the tasks nothing.
/// </remarks>
internal sealed partial class TaskSentEvents : ISendObserver
{
    /// <summary>The most events published and not yet finished before further ones are dropped.</summary>
    public const int MaxPending = 1024;

    private static readonly ExchangeSpecification s_exchange = new(EventMessage.Exchange, ExchangeKind.Topic);

    private readonly ITransport _transport;
    private readonly string _hostname;
    private readonly ILogger _logger;
    private readonly Diagnostics.LogThrottle _failures;
    private readonly object _gate = new();
    private Task? _declared;
    private long _clock;
    private int _pending;

    /// <summary>Creates the observer.</summary>
    /// <param name="transport">Where the events go.</param>
    /// <param name="hostname">The producer's node name (<see cref="TaskApp.Origin"/>), as Celery's dispatcher names a producer.</param>
    /// <param name="logger">Where a failed event is reported, at most once per <see cref="WorkerEvents.FailureLogInterval"/>.</param>
    /// <param name="time">The clock of the log throttle; the system's outside tests.</param>
    public TaskSentEvents(ITransport transport, string hostname, ILogger logger, TimeProvider? time = null)
    {
        _transport = transport;
        _hostname = hostname;
        _logger = logger;
        _failures = new Diagnostics.LogThrottle(WorkerEvents.FailureLogInterval, time);
    }

    public bool Enabled => true;

    public IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind) =>

        // A hold handed back or a dead letter is the same send again, which Celery would not announce.
        kind == SendKind.Copy ? null : new Pending(message, taskId, taskName, queue);

    public void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure)
    {
        // As in Celery, the event follows a publish that succeeded; a refused task was never sent.
        if (failure is not null || scope is not Pending sent)
        {
            return;
        }

        if (Interlocked.Increment(ref _pending) > MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            ReportFailure($"{MaxPending} task-sent events are already waiting for the broker");
            return;
        }

        TransportMessage message;
        try
        {
            // Built now, while the task message is certainly valid: a copy's body is a delivery's, valid only in its handler.
            message = EventMessage.Create("task-sent", _hostname, Interlocked.Increment(ref _clock), w => WriteFields(w, sent.Message, sent.TaskId, sent.TaskName, sent.Queue));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Decrement(ref _pending);
            ReportFailure(ex.Message);
            return;
        }

        _ = PublishAsync(message);
    }

    /// <summary>Writes the fields of the <c>task-sent</c> event of a task message, as Celery's <c>as_task_v2</c> and <c>send_task_message</c> fill them in.</summary>
    /// <param name="writer">The writer, inside the event's object.</param>
    /// <param name="message">The task message as published.</param>
    /// <param name="taskId">The task's id.</param>
    /// <param name="taskName">The task's name.</param>
    /// <param name="queue">The queue it was sent to.</param>
    public static void WriteFields(Utf8JsonWriter writer, TransportMessage message, string taskId, string taskName, string queue)
    {
        IDictionary<string, object?> headers = message.Headers;
        writer.WriteString("uuid", taskId);
        writer.WriteString("root_id", TaskMessageCodec.HeaderString(headers, "root_id") ?? taskId);
        writer.WriteString("parent_id", TaskMessageCodec.HeaderString(headers, "parent_id"));
        writer.WriteString("name", taskName);
        (string args, string kwargs) = Reprs(message, taskId, taskName);
        writer.WriteString("args", args);
        writer.WriteString("kwargs", kwargs);
        writer.WriteNumber("retries", TaskMessageCodec.HeaderNumber(headers, "retries") is double retries and >= 0 and <= int.MaxValue ? (int)retries : 0);
        writer.WriteString("eta", TaskMessageCodec.HeaderString(headers, "eta"));
        writer.WriteString("expires", TaskMessageCodec.HeaderString(headers, "expires"));
        writer.WriteString("queue", queue);
        writer.WriteString("exchange", message.Exchange);
        writer.WriteString("routing_key", message.RoutingKey);

        // Celery 5.6's task-sent has no group field, so a monitor drawing a canvas would have to ask the result backend;
        // written only for group members (as task-received does), so the event of a plain task stays what Celery sends.
        if (TaskMessageCodec.HeaderString(headers, "group") is { } group)
        {
            writer.WriteString("group", group);
            if (TaskMessageCodec.HeaderNumber(headers, "group_index") is double index and >= 0 and <= int.MaxValue)
            {
                writer.WriteNumber("group_index", (int)index);
            }
        }
    }

    /// <summary>The args and kwargs texts: the message's own <c>argsrepr</c>/<c>kwargsrepr</c>, else its body's JSON, cut as Celery cuts them.</summary>
    private static (string Args, string Kwargs) Reprs(TransportMessage message, string taskId, string taskName)
    {
        string? args = TaskMessageCodec.HeaderString(message.Headers, "argsrepr");
        string? kwargs = TaskMessageCodec.HeaderString(message.Headers, "kwargsrepr");
        if (args is null || kwargs is null)
        {
            try
            {
                (ReadOnlyMemory<byte> bodyArgs, ReadOnlyMemory<byte> bodyKwargs, _) = TaskMessageCodec.SplitBody(taskId, taskName, message.Body);
                args ??= EventRepr.Truncate(bodyArgs.Span);
                kwargs ??= EventRepr.Truncate(bodyKwargs.Span);
            }
            catch (MalformedMessageException)
            {
                // A copy of a message no worker could read still went out; its event says so rather than nothing.
                args ??= "()";
                kwargs ??= "{}";
            }
        }

        return (EventRepr.Truncate(args), EventRepr.Truncate(kwargs));
    }

    private async Task PublishAsync(TransportMessage message)
    {
        // Nothing about an event (a missing exchange, a closed channel) may reach the send it follows.
        try
        {
            // Off the sender's thread at once: the send it follows has returned before the event's publish does any work.
            await Task.Yield();
            await EnsureExchangeAsync().ConfigureAwait(false);
            await _transport.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReportFailure(ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Declares <c>celeryev</c> once, as Celery's dispatcher declares it with its first event; a failed declaration is tried again with the next event.</summary>
    private Task EnsureExchangeAsync()
    {
        lock (_gate)
        {
            if (_declared is null || _declared.IsFaulted || _declared.IsCanceled)
            {
                _declared = _transport.DeclareExchangeAsync(s_exchange, CancellationToken.None).AsTask();
            }

            return _declared;
        }
    }

    private void ReportFailure(string reason)
    {
        if (_failures.ShouldLog(out long suppressed))
        {
            LogEventNotSent(_logger, Diagnostics.LogText.Escape(reason), suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event task-sent was not sent: {Reason} ({Suppressed} earlier failure(s) not logged; at most one is logged per minute).")]
    private static partial void LogEventNotSent(ILogger logger, string reason, long suppressed);

    /// <summary>What one send's event is built from, carried from <see cref="Sending"/> to <see cref="Sent"/>.</summary>
    private sealed record Pending(TransportMessage Message, string TaskId, string TaskName, string Queue) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
