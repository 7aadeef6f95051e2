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
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Control;

/// <summary>
/// A worker's side of the pidbox: consumes the node's mailbox queue and answers <c>ping</c>,
/// <c>registered</c>, <c>active</c>, <c>stats</c>, <c>active_queues</c> and <c>revoke</c> with the
/// replies Celery's tools read.
/// </summary>
internal sealed partial class RemoteControlServer : IAsyncDisposable
{
    private readonly TaskWorker _worker;
    private readonly TaskApp _app;
    private readonly ILogger _logger;
    private ITransportConsumer? _consumer;
    private long _clock;

    public RemoteControlServer(TaskWorker worker, TaskApp app, ILogger logger)
    {
        _worker = worker;
        _app = app;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ITransport transport = _app.Transport;
        await transport.DeclareExchangeAsync(Pidbox.RequestExchange, cancellationToken).ConfigureAwait(false);
        await transport.DeclareExchangeAsync(Pidbox.ReplyExchangeSpecification, cancellationToken).ConfigureAwait(false);
        string queue = await transport.DeclareQueueAsync(Pidbox.NodeQueue(_worker.NodeName), cancellationToken).ConfigureAwait(false);
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
        ControlRequest? request;
        try
        {
            request = ControlRequest.Parse(delivery.Message.Body.Span);
        }
        catch (JsonException ex)
        {
            LogUnreadableRequest(_logger, ex.Message);
            return;
        }

        if (!request.IsFor(_worker.NodeName))
        {
            return;
        }

        byte[] reply = Answer(request);
        if (request.ReplyExchange is null || request.ReplyRoutingKey is null)
        {
            return;
        }

        var headers = new Dictionary<string, object?>
        {
            ["ticket"] = request.Ticket,
            ["clock"] = Interlocked.Increment(ref _clock),
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 };
        try
        {
            await _app.Transport.PublishAsync(
                new TransportMessage(request.ReplyExchange, request.ReplyRoutingKey, properties, headers, reply) { Mandatory = false, Confirm = false, Untrusted = true },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BrokerException or InvalidOperationException)
        {
            LogReplyFailed(_logger, request.Method, ex.Message);
        }
    }

    private byte[] Answer(ControlRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(_worker.NodeName);
            try
            {
                WriteReply(writer, request);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A command that fails still answers, as Celery's nodes do, so the caller does not wait for it.
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

        LogAnswered(_logger, request.Method);
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
            case "stats":
                WriteStats(writer);
                break;
            case "active_queues":
                WriteActiveQueues(writer);
                break;
            case "revoke":
                IReadOnlyList<string> ids = request.TaskIds();
                _worker.Revoke(ids);
                writer.WriteStartObject();
                writer.WriteString("ok", $"tasks {string.Join(", ", ids)} flagged as revoked");
                writer.WriteEndObject();
                break;
            case "heartbeat":
                _ = _worker.Events?.HeartbeatNowAsync().AsTask();
                writer.WriteStartObject();
                writer.WriteString("ok", "heartbeat sent");
                writer.WriteEndObject();
                break;
            case "enable_events":
            case "disable_events":
                bool enable = request.Method == "enable_events";
                if (_worker.Events is { } events)
                {
                    events.TaskEvents = enable;
                }

                writer.WriteStartObject();
                writer.WriteString("ok", enable ? "task events enabled" : "task events disabled");
                writer.WriteEndObject();
                break;
            default:
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
            TaskRequest request = active.Invocation.Request;
            writer.WriteStartObject();
            writer.WriteString("id", request.Id);
            writer.WriteString("name", request.Name);
            writer.WritePropertyName("args");
            writer.WriteRawValue(request.Args.Span, skipInputValidation: true);
            writer.WritePropertyName("kwargs");
            writer.WriteRawValue(request.Kwargs.Span, skipInputValidation: true);
            writer.WriteString("type", request.Name);
            writer.WriteString("hostname", _worker.NodeName);
            writer.WriteNumber("time_start", active.Started.ToUnixTimeMilliseconds() / 1000.0);
            writer.WriteBoolean("acknowledged", !_app.Options.TaskAcksLate);
            writer.WriteStartObject("delivery_info");
            writer.WriteString("exchange", active.Delivery.Message.Exchange);
            writer.WriteString("routing_key", active.Delivery.Message.RoutingKey);
            writer.WriteNumber("priority", active.Delivery.Message.Properties.Priority);
            writer.WriteBoolean("redelivered", active.Delivery.Redelivered);
            writer.WriteEndObject();
            writer.WriteNumber("worker_pid", Environment.ProcessId);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
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
        if (Uri.TryCreate(_app.Options.BrokerUrl, UriKind.Absolute, out Uri? uri))
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A remote-control request could not be read: {Reason}")]
    private static partial void LogUnreadableRequest(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply to remote-control command '{Method}' could not be sent: {Reason}")]
    private static partial void LogReplyFailed(ILogger logger, string method, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answered remote-control command '{Method}'.")]
    private static partial void LogAnswered(ILogger logger, string method);

    /// <summary>A pidbox request: <c>{"method", "arguments", "destination", "pattern", "matcher", "ticket", "reply_to"}</c>.</summary>
    private sealed class ControlRequest
    {
        public string Method { get; private init; } = string.Empty;

        public JsonElement Arguments { get; private init; }

        public List<string>? Destination { get; private init; }

        public string? Pattern { get; private init; }

        public string? Matcher { get; private init; }

        public string? Ticket { get; private init; }

        public string? ReplyExchange { get; private init; }

        public string? ReplyRoutingKey { get; private init; }

        public static ControlRequest Parse(ReadOnlySpan<byte> body)
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out JsonElement method) || method.ValueKind != JsonValueKind.String)
            {
                throw new JsonException("A remote-control request must be an object with a string 'method'.");
            }

            JsonElement replyTo = root.TryGetProperty("reply_to", out JsonElement r) && r.ValueKind == JsonValueKind.Object ? r : default;
            return new ControlRequest
            {
                Method = method.GetString()!,
                Arguments = root.TryGetProperty("arguments", out JsonElement arguments) ? arguments.Clone() : default,
                Destination = root.TryGetProperty("destination", out JsonElement destination) && destination.ValueKind == JsonValueKind.Array
                    ? destination.EnumerateArray().Select(d => d.ToString()).ToList()
                    : null,
                Pattern = StringOrNull(root, "pattern"),
                Matcher = StringOrNull(root, "matcher"),
                Ticket = StringOrNull(root, "ticket"),
                ReplyExchange = replyTo.ValueKind == JsonValueKind.Object ? StringOrNull(replyTo, "exchange") : null,
                ReplyRoutingKey = replyTo.ValueKind == JsonValueKind.Object ? StringOrNull(replyTo, "routing_key") : null,
            };
        }

        /// <summary>Celery's rule: the destination list names the node, or the pattern matches it, or neither is given.</summary>
        public bool IsFor(string nodeName)
        {
            if (Destination is { Count: > 0 })
            {
                return Destination.Contains(nodeName, StringComparer.Ordinal);
            }

            if (Pattern is not null && Matcher is not null)
            {
                return Matcher == "pcre"
                    ? System.Text.RegularExpressions.Regex.IsMatch(nodeName, Pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))
                    : Glob.IsMatch(Pattern, nodeName);
            }

            return true;
        }

        public IReadOnlyList<string> TaskIds()
        {
            if (Arguments.ValueKind != JsonValueKind.Object || !Arguments.TryGetProperty("task_id", out JsonElement id))
            {
                return [];
            }

            return id.ValueKind == JsonValueKind.Array
                ? id.EnumerateArray().Select(e => e.ToString()).ToList()
                : [id.ToString()];
        }

        private static string? StringOrNull(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
