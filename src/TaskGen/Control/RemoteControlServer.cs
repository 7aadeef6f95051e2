using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Control;

/// <summary>
/// A worker's side of the pidbox: consumes the node's mailbox queue and answers <c>ping</c>,
/// <c>registered</c>, <c>active</c>, <c>scheduled</c>, <c>reserved</c>, <c>stats</c>, <c>active_queues</c>,
/// <c>conf</c>, <c>heartbeat</c>, <c>enable_events</c>/<c>disable_events</c> and the commands that change the worker
/// (<c>revoke</c>, <c>rate_limit</c>, <c>time_limit</c>, <c>add_consumer</c>, <c>cancel_consumer</c>, <c>shutdown</c>)
/// with the replies Celery's tools read.
/// </summary>
internal sealed partial class RemoteControlServer : IWorkerService
{
    private readonly IWorkerState _worker;
    private readonly TaskApp _app;
    private readonly Events.WorkerEvents? _events;
    private readonly ILogger _logger;
    // Celery's worker puts every ETA task on its timer at this priority, which inspect scheduled reports.
    private const int EtaTimerPriority = 6;

    private ITransportConsumer? _consumer;
    private long _clock;

    public RemoteControlServer(IWorkerState worker, TaskApp app, Events.WorkerEvents? events, ILogger logger)
    {
        _worker = worker;
        _app = app;
        _events = events;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ITransport transport = _app.Transport;
        await transport.DeclareExchangeAsync(Pidbox.RequestExchange, cancellationToken).ConfigureAwait(false);
        await transport.DeclareExchangeAsync(Pidbox.ReplyExchangeSpecification, cancellationToken).ConfigureAwait(false);
        string queue;
        try
        {
            queue = await transport.DeclareQueueAsync(Pidbox.NodeQueue(_worker.NodeName), cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerException ex) when (ex.ReplyCode == 405)
        {
            // The mailbox is exclusive, so another connection holding it is another running node of this name,
            // which Celery only warns about; two nodes of one name would answer remote control as one.
            throw new BrokerException($"A node named {_worker.NodeName} is already running on this broker (its remote-control mailbox is taken): give each worker its own name with -n name@%h.", ex, ex.ReplyCode);
        }

        await transport.BindQueueAsync(queue, Pidbox.Exchange, string.Empty, cancellationToken).ConfigureAwait(false);
        _consumer = await transport.ConsumeAsync(queue, 16, autoAck: true, OnRequestAsync, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask OnRequestAsync(Delivery delivery)
    {
        // Any broker user can write to the pidbox exchange, so a request is untrusted input: whatever is
        // wrong with one is logged and the request dropped, and the mailbox keeps answering the next.
        try
        {
            await HandleAsync(delivery).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRequestFailed(_logger, ex.GetType().Name, LogText.Escape(ex.Message));
        }
    }

    private async ValueTask HandleAsync(Delivery delivery)
    {
        if (!ControlRequest.TryParse(delivery.Message.Body.Span, out ControlRequest? request, out string? reason))
        {
            LogDroppedRequest(_logger, reason);
            return;
        }

        if (!request.TryMatch(_worker.NodeName, out bool forThisNode, out reason))
        {
            LogDroppedRequest(_logger, reason);
            return;
        }

        if (!forThisNode)
        {
            return;
        }

        Action<Utf8JsonWriter>? acted = await ActAsync(request).ConfigureAwait(false);
        byte[] reply = Answer(request, acted);
        if (request.ReplyExchange is { } exchange && request.ReplyRoutingKey is { } routingKey)
        {
            await ReplyAsync(request, exchange, routingKey, reply).ConfigureAwait(false);
        }

        // Only once the reply is out: stopping closes this mailbox last, but never before its answer has left.
        if (request.Method == "shutdown")
        {
            _worker.RequestShutdown();
        }
    }

    private async ValueTask ReplyAsync(ControlRequest request, string exchange, string routingKey, byte[] reply)
    {

        var headers = new Dictionary<string, object?>
        {
            ["ticket"] = request.Ticket,
            ["clock"] = Interlocked.Increment(ref _clock),
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 };
        try
        {
            await _app.Transport.PublishAsync(
                new TransportMessage(exchange, routingKey, properties, headers, reply) { Mandatory = false, Confirm = false, Untrusted = true },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReplyFailed(_logger, LogText.Escape(request.Method), LogText.Escape(ex.Message));
        }
    }

    private byte[] Answer(ControlRequest request, Action<Utf8JsonWriter>? acted)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(_worker.NodeName);
            try
            {
                if (acted is not null)
                {
                    acted(writer);
                }
                else
                {
                    WriteReply(writer, request);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A command that fails still answers, as Celery's nodes do, so the caller does not wait for it.
                LogCommandFailed(_logger, LogText.Escape(request.Method), LogText.Escape(ex.Message));
                writer.Reset(buffer);
                buffer.Clear();
                writer.WriteStartObject();
                writer.WritePropertyName(_worker.NodeName);
                writer.WriteStartObject();
                writer.WriteString("error", $"{ex.GetType().Name}: {ex.Message}");
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        LogAnswered(_logger, LogText.Escape(request.Method));
        return buffer.WrittenSpan.ToArray();
    }

    private void WriteReply(Utf8JsonWriter writer, ControlRequest request)
    {
        switch (request.Method)
        {
            case "ping":
                writer.WriteStartObject();
                writer.WriteString("ok", "pong");
                writer.WriteEndObject();
                break;
            case "registered":
                writer.WriteStartArray();
                foreach (string name in _app.Tasks.TaskNames)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
                break;
            case "active":
                WriteActive(writer);
                break;
            case "scheduled":
                WriteScheduled(writer);
                break;
            case "reserved":
                writer.WriteStartArray();
                foreach (TaskWorker.HeldTask held in _worker.ReservedTasks)
                {
                    WriteRequestInfo(writer, held.Request, held.Delivery, started: null);
                }

                writer.WriteEndArray();
                break;
            case "stats":
                WriteStats(writer);
                break;
            case "active_queues":
                WriteActiveQueues(writer);
                break;
            case "heartbeat":
                _ = _events?.HeartbeatNowAsync().AsTask();
                writer.WriteStartObject();
                writer.WriteString("ok", "heartbeat sent");
                writer.WriteEndObject();
                break;
            case "enable_events":
            case "disable_events":
                bool enable = request.Method == "enable_events";
                if (_events is { } events)
                {
                    events.TaskEvents = enable;
                }

                writer.WriteStartObject();
                writer.WriteString("ok", enable ? "task events enabled" : "task events disabled");
                writer.WriteEndObject();
                break;
            default:
                // Celery's nodes answer an unknown command with this error, so the caller need not wait out its timeout.
                LogUnknownMethod(_logger, LogText.Escape(request.Method));
                writer.WriteStartObject();
                writer.WriteString("error", $"No such key: '{request.Method}'");
                writer.WriteEndObject();
                break;
        }
    }

    private void WriteActive(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (TaskWorker.ActiveTask active in _worker.ActiveTasks)
        {
            WriteRequestInfo(writer, active.Invocation.Request, active.Delivery, active.Started);
        }

        writer.WriteEndArray();
    }

    private void WriteScheduled(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (TaskWorker.HeldTask held in _worker.ScheduledTasks)
        {
            writer.WriteStartObject();
            if (held.Request.Eta is { } eta)
            {
                // Python's isoformat: microseconds and the offset, as Celery writes the request's aware ETA.
                writer.WriteString("eta", eta.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteNull("eta");
            }

            // The priority of Celery's timer entry, which is 6 for every ETA task; the message's own is in delivery_info.
            writer.WriteNumber("priority", EtaTimerPriority);
            writer.WritePropertyName("request");
            WriteRequestInfo(writer, held.Request, held.Delivery, started: null);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// A request as Celery's <c>Request.info()</c> gives it: a task not started yet has no start time and no process,
    /// and is not acknowledged (a TaskGen worker acknowledges early only when the task starts).
    /// </summary>
    private void WriteRequestInfo(Utf8JsonWriter writer, TaskRequest request, Delivery delivery, DateTimeOffset? started)
    {
        writer.WriteStartObject();
        writer.WriteString("id", request.Id);
        writer.WriteString("name", request.Name);
        writer.WritePropertyName("args");
        WriteRawOr(writer, request.Args.Span, "[]");
        writer.WritePropertyName("kwargs");
        WriteRawOr(writer, request.Kwargs.Span, "{}");
        writer.WriteString("type", request.Name);
        writer.WriteString("hostname", _worker.NodeName);
        if (started is { } time)
        {
            writer.WriteNumber("time_start", time.ToUnixTimeMilliseconds() / 1000.0);
        }
        else
        {
            writer.WriteNull("time_start");
        }

        writer.WriteBoolean("acknowledged", started is not null && !_app.Options.TaskAcksLate);
        writer.WriteStartObject("delivery_info");
        writer.WriteString("exchange", delivery.Message.Exchange);
        writer.WriteString("routing_key", delivery.Message.RoutingKey);
        writer.WriteNumber("priority", delivery.Message.Properties.Priority);
        writer.WriteBoolean("redelivered", delivery.Redelivered);
        writer.WriteEndObject();
        if (started is not null)
        {
            writer.WriteNumber("worker_pid", Environment.ProcessId);
        }
        else
        {
            writer.WriteNull("worker_pid");
        }

        writer.WriteEndObject();
    }

    private static void WriteRawOr(Utf8JsonWriter writer, ReadOnlySpan<byte> json, string empty)
    {
        if (json.IsEmpty)
        {
            writer.WriteRawValue(empty, skipInputValidation: true);
        }
        else
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
    }

    private void WriteStats(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("total");
        foreach (KeyValuePair<string, long> pair in _worker.Processed.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(pair.Key, pair.Value);
        }

        writer.WriteEndObject();
        writer.WriteNumber("pid", Environment.ProcessId);
        writer.WriteNumber("clock", Interlocked.Read(ref _clock));
        writer.WriteNumber("uptime", (long)(DateTimeOffset.UtcNow - _worker.StartedAt).TotalSeconds);
        writer.WriteNumber("prefetch_count", _worker.Prefetch);

        // Not in Celery's reply: tasks left running past their hard time limit, and tasks held for their ETA.
        writer.WriteNumber("abandoned", _worker.Abandoned);
        writer.WriteNumber("scheduled", _worker.Scheduled);
        writer.WriteStartObject("pool");
        writer.WriteString("implementation", "TaskGen.Worker:async");
        writer.WriteNumber("max-concurrency", _worker.Concurrency);
        writer.WriteStartArray("processes");
        writer.WriteNumberValue(Environment.ProcessId);
        writer.WriteEndArray();
        writer.WriteNumber("max-tasks-per-child", 0);
        writer.WriteEndObject();
        WriteBroker(writer);
        writer.WriteStartObject("rusage");
        using (Process self = Process.GetCurrentProcess())
        {
            writer.WriteNumber("maxrss", self.PeakWorkingSet64 / 1024);
            writer.WriteNumber("utime", self.UserProcessorTime.TotalSeconds);
            writer.WriteNumber("stime", self.PrivilegedProcessorTime.TotalSeconds);
        }

        writer.WriteEndObject();
        writer.WriteString("sw_ident", "TaskGen");
        writer.WriteString("sw_ver", typeof(TaskApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        writer.WriteEndObject();
    }

    private void WriteBroker(Utf8JsonWriter writer)
    {
        // Connection facts only: the password never leaves the process.
        writer.WriteStartObject("broker");
        // The first URL of a failover list: parsed whole, the others would read as part of its virtual host.
        if (Transport.BrokerUrls.Split(_app.Options.BrokerUrl) is [string first, ..] && Uri.TryCreate(first, UriKind.Absolute, out Uri? uri))
        {
            writer.WriteString("hostname", uri.Host);
            writer.WriteNumber("port", uri.Port);
            writer.WriteString("transport", uri.Scheme);
            writer.WriteString("virtual_host", uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : "/");
            writer.WriteString("userid", Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]));
            writer.WriteBoolean("ssl", uri.Scheme == "amqps");
        }

        writer.WriteString("uri", _app.Transport.Description);
        writer.WriteEndObject();
    }

    private void WriteActiveQueues(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (string name in _worker.Queues)
        {
            bool broadcast = _app.Tasks.TryGetQueue(name, out QueueDeclaration declared) && declared.Broadcast;
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteStartObject("exchange");
            writer.WriteString("name", name);
            writer.WriteString("type", broadcast ? "fanout" : "direct");
            writer.WriteBoolean("durable", true);
            writer.WriteBoolean("auto_delete", false);
            writer.WriteEndObject();
            writer.WriteString("routing_key", broadcast ? string.Empty : name);
            writer.WriteBoolean("durable", !broadcast);
            writer.WriteBoolean("exclusive", broadcast);
            writer.WriteBoolean("auto_delete", broadcast);
            writer.WriteBoolean("no_ack", false);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a remote-control request: {Reason}")]
    private static partial void LogDroppedRequest(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a remote-control request that failed with {ExceptionType}: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Remote-control command '{Method}' is unknown; answered with an error.")]
    private static partial void LogUnknownMethod(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Remote-control command '{Method}' failed; answered with an error: {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string method, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply to remote-control command '{Method}' could not be sent: {Reason}")]
    private static partial void LogReplyFailed(ILogger logger, string method, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answered remote-control command '{Method}'.")]
    private static partial void LogAnswered(ILogger logger, string method);

}
