using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Transport;

namespace TaskGen.Control;

/// <summary>
/// The commands that change the worker, with Celery's names, arguments and replies (celery/worker/control.py):
/// <c>revoke</c> (with <c>terminate</c>, and Celery's <c>terminate</c> shorthand), <c>rate_limit</c>, <c>time_limit</c>, <c>add_consumer</c>,
/// <c>cancel_consumer</c> and <c>shutdown</c>; and <c>conf</c>, the settings with every password redacted.
/// </summary>
internal sealed partial class RemoteControlServer
{
    // How long add_consumer may take to open its consumer before the mailbox answers with an error instead.
    private static readonly TimeSpan ConsumerStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Carries out a command that changes the worker and returns the writer of its reply, or null for a command that
    /// only reads (answered by <see cref="WriteReply"/>). What fails is answered as Celery's <c>{"error": ...}</c>.
    /// </summary>
    private async ValueTask<Action<Utf8JsonWriter>?> ActAsync(ControlRequest request)
    {
        try
        {
            switch (request.Method)
            {
                case "revoke":
                    return Revoke(request, Flag(request, "terminate"));
                case "terminate":
                    // Celery's shorthand for revoke with terminate (`celery control terminate SIGNAL ID...`).
                    return Revoke(request, terminate: true);
                case "rate_limit":
                    return RateLimit(request);
                case "time_limit":
                    return TimeLimit(request);
                case "add_consumer":
                    return await AddConsumerAsync(request).ConfigureAwait(false);
                case "cancel_consumer":
                    return await CancelConsumerAsync(request).ConfigureAwait(false);
                case "shutdown":
                    // Celery's worker raises WorkerShutdown here and answers nothing; this one answers first, so that
                    // `celery control shutdown` hears the node, and then stops (see HandleAsync).
                    LogShutdownRequested(_logger);
                    return Ok("shutdown");
                case "conf":
                    return WriteConf;
                case "revoked":
                    // Celery's inspect revoked: the ids this worker holds as revoked, which Flower lists per worker.
                    return writer =>
                    {
                        writer.WriteStartArray();
                        foreach (string id in _worker.RevokedIds)
                        {
                            writer.WriteStringValue(id);
                        }

                        writer.WriteEndArray();
                    };
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            // Arguments of the wrong shape, or a worker that is stopping: answered as any failed command is.
            LogCommandFailed(_logger, LogText.Escape(request.Method), LogText.Escape(ex.Message));
            return Error($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private Action<Utf8JsonWriter> Revoke(ControlRequest request, bool terminate)
    {
        IReadOnlyList<string> ids = request.TaskIds();
        if (!terminate)
        {
            _worker.Revoke(ids);
            return Ok($"tasks {string.Join(", ", ids)} flagged as revoked");
        }

        // Celery kills the pool process; a TaskGen task runs in this process, so its token is cancelled instead
        // (cooperative) and the run is reported REVOKED. The signal argument has nothing to pick here.
        IReadOnlyList<string> terminated = _worker.Terminate(ids.ToHashSet(StringComparer.Ordinal));
        return terminated.Count == 0 ? Ok("terminate: tasks unknown") : Ok("terminate: " + string.Join(", ", terminated));
    }

    private Action<Utf8JsonWriter> RateLimit(ControlRequest request)
    {
        string? task = Text(request, "task_name");
        string? rate = Text(request, "rate_limit");
        bool disable = string.IsNullOrWhiteSpace(rate) || rate.Trim() == "0";
        if (!disable)
        {
            try
            {
                TaskPolicy.ParseRate(rate!);
            }
            catch (FormatException ex)
            {
                return Error($"Invalid rate limit string: {ex.Message}");
            }
        }

        if (task is null || !_app.Tasks.TryGet(task, out _, out _))
        {
            LogUnknownTaskLimit(_logger, "Rate limit", LogText.Escape(task ?? string.Empty));
            return Error("unknown task");
        }

        _worker.SetRateLimit(task, disable ? null : rate);
        LogLimitSet(_logger, "rate limit", LogText.Escape(task), disable ? "none" : LogText.Escape(rate!));
        return Ok(disable ? "rate limit disabled successfully" : "new rate limit set successfully");
    }

    private Action<Utf8JsonWriter> TimeLimit(ControlRequest request)
    {
        string? task = Text(request, "task_name");
        if (task is null || !_app.Tasks.TryGet(task, out _, out _))
        {
            LogUnknownTaskLimit(_logger, "Change time limit", LogText.Escape(task ?? string.Empty));
            return Error("unknown task");
        }

        double? hard = Number(request, "hard");
        double? soft = Number(request, "soft");
        _worker.SetTimeLimits(task, hard, soft);
        LogLimitSet(_logger, "time limits", LogText.Escape(task), string.Create(CultureInfo.InvariantCulture, $"soft={soft?.ToString(CultureInfo.InvariantCulture) ?? "None"} hard={hard?.ToString(CultureInfo.InvariantCulture) ?? "None"}"));
        return Ok("time limits set successfully");
    }

    private async ValueTask<Action<Utf8JsonWriter>> AddConsumerAsync(ControlRequest request)
    {
        string queue = Text(request, "queue") ?? throw new ArgumentException("add_consumer needs the name of a queue ('queue').");
        try
        {
            // The queue's exchange and binding are those its declaration gives, on every worker alike; the exchange,
            // exchange_type and routing_key a caller sends are not another declaration of it.
            using var timeout = new CancellationTokenSource(ConsumerStartTimeout);
            await _worker.AddConsumerAsync(queue, timeout.Token).ConfigureAwait(false);
        }
        catch (TaskRoutingException)
        {
            string[] declared = _app.Tasks.Queues.Select(q => q.Name).Append(_app.Options.TaskDefaultQueue)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return Error($"Queue '{queue}' is not declared: declared queues are {string.Join(", ", declared)}; declare it with [assembly: TaskQueue(\"{queue}\")].");
        }
        catch (Exception ex) when (ex is BrokerException or OperationCanceledException)
        {
            return Error($"Could not consume from {queue}: {ex.Message}");
        }

        return Ok($"add consumer {queue}");
    }

    private async ValueTask<Action<Utf8JsonWriter>> CancelConsumerAsync(ControlRequest request)
    {
        string queue = Text(request, "queue") ?? throw new ArgumentException("cancel_consumer needs the name of a queue ('queue').");

        // As Celery's, the reply is the same whether or not the worker consumed the queue.
        await _worker.CancelConsumerAsync(queue).ConfigureAwait(false);
        return Ok($"no longer consuming from {queue}");
    }

    private void WriteConf(Utf8JsonWriter writer) => WriteConf(writer, _app.Options, _worker.Concurrency);

    /// <summary>
    /// Celery's settings by their lowercase names, for those TaskGen has: the broker and backend URLs with their
    /// passwords replaced by <c>***</c>, and no certificate paths. Static on the options, so that what it shows of
    /// any settings can be checked without a broker.
    /// </summary>
    /// <param name="writer">Where the reply's JSON object goes.</param>
    /// <param name="o">The app's options.</param>
    /// <param name="concurrency">The worker's concurrency (<c>worker_concurrency</c>).</param>
    internal static void WriteConf(Utf8JsonWriter writer, TaskAppOptions o, int concurrency)
    {
        writer.WriteStartObject();
        writer.WriteString("broker_url", BrokerUrls.Redact(o.BrokerUrl));
        writer.WriteString("result_backend", BrokerUrls.Redact(o.ResultBackend));
        writer.WriteBoolean("broker_connection_retry_on_startup", o.BrokerConnectionRetryOnStartup);
        writer.WriteNumber("broker_connection_max_retries", o.BrokerConnectionMaxRetries);
        writer.WriteString("task_serializer", o.TaskSerializer);
        writer.WriteString("result_serializer", o.ResultSerializer);
        writer.WriteStartArray("accept_content");
        foreach (string content in o.AcceptContent)
        {
            writer.WriteStringValue(content);
        }

        writer.WriteEndArray();
        writer.WriteNumber("result_expires", o.ResultExpires.TotalSeconds);
        writer.WriteString("timezone", o.Timezone);
        writer.WriteNumber("worker_prefetch_multiplier", o.WorkerPrefetchMultiplier);
        writer.WriteNumber("worker_concurrency", concurrency);
        writer.WriteBoolean("task_acks_late", o.TaskAcksLate);
        writer.WriteBoolean("task_acks_on_failure_or_timeout", o.TaskAcksOnFailureOrTimeout);
        writer.WriteBoolean("task_reject_on_worker_lost", o.TaskRejectOnWorkerLost);
        writer.WriteString("task_default_queue", o.TaskDefaultQueue);
        writer.WriteBoolean("task_create_missing_queues", o.TaskCreateMissingQueues);
        writer.WriteBoolean("task_send_sent_event", o.TaskSendSentEvent);
        writer.WriteStartObject("task_routes");
        foreach (KeyValuePair<string, string> route in o.TaskRoutes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(route.Key);
            writer.WriteString("queue", route.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static Action<Utf8JsonWriter> Ok(string text) => writer => WriteStatus(writer, "ok", text);

    private static Action<Utf8JsonWriter> Error(string text) => writer => WriteStatus(writer, "error", text);

    private static void WriteStatus(Utf8JsonWriter writer, string key, string text)
    {
        writer.WriteStartObject();
        writer.WriteString(key, text);
        writer.WriteEndObject();
    }

    /// <summary>A text argument; a number is taken as its text (Celery's rate_limit may be an int), null as absent.</summary>
    private static string? Text(ControlRequest request, string name) =>
        Argument(request, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new FormatException($"'{name}' must be a string."),
            }
            : null;

    /// <summary>A number of seconds; Celery's command line may send it as text.</summary>
    private static double? Number(ControlRequest request, string name) =>
        Argument(request, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
                JsonValueKind.Null => null,
                _ => throw new FormatException($"'{name}' must be a number of seconds."),
            }
            : null;

    private static bool Flag(ControlRequest request, string name) =>
        Argument(request, name) is { } value && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => value.GetString() is "1" or "true" or "True" or "yes",
            JsonValueKind.Number => value.GetRawText() != "0",
            _ => false,
        };

    private static JsonElement? Argument(ControlRequest request, string name) =>
        request.Arguments.ValueKind == JsonValueKind.Object && request.Arguments.TryGetProperty(name, out JsonElement value) ? value : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Got shutdown from remote.")]
    private static partial void LogShutdownRequested(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} attempt for unknown task {TaskName}.")]
    private static partial void LogUnknownTaskLimit(ILogger logger, string what, string taskName);

    [LoggerMessage(Level = LogLevel.Information, Message = "New {What} for tasks of type {TaskName}: {Value}.")]
    private static partial void LogLimitSet(ILogger logger, string what, string taskName, string value);
}
