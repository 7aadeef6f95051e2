using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Control;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.State;
using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen.Monitor.Api;

/// <summary>
/// Flower's actions: sending tasks, and remote control of workers with Celery's command and argument names, answered
/// as Flower answers (<c>{"message": ...}</c>, or 403 with the worker's reason). Every action carries
/// <see cref="MonitorEndpoint.Action"/>, which the security rules key on (read-only, actions policy, cross-site refusal).
/// </summary>
internal static partial class MonitorApi
{
    private static void MapActions(RouteGroupBuilder group)
    {
        Action("/api/task/apply/{name}", ApplyAsync);
        Action("/api/task/async-apply/{name}", context => SendAsync(context, mustBeKnown: true));
        Action("/api/task/send-task/{name}", context => SendAsync(context, mustBeKnown: false));
        Action("/api/task/revoke/{**id}", RevokeAsync);
        Action("/api/task/rate-limit/{name}", RateLimitAsync);
        Action("/api/task/timeout/{name}", TimeLimitAsync);
        Action("/api/worker/shutdown/{name}", ShutdownAsync);
        Action("/api/worker/pool/restart/{name}", context => PoolAsync(context, "pool_restart"));
        Action("/api/worker/pool/grow/{name}", context => PoolAsync(context, "pool_grow"));
        Action("/api/worker/pool/shrink/{name}", context => PoolAsync(context, "pool_shrink"));
        Action("/api/worker/pool/autoscale/{name}", context => PoolAsync(context, "autoscale"));
        Action("/api/worker/queue/add-consumer/{name}", context => ConsumerAsync(context, "add_consumer"));
        Action("/api/worker/queue/cancel-consumer/{name}", context => ConsumerAsync(context, "cancel_consumer"));

        void Action(string pattern, RequestDelegate handler) => group.MapPost(pattern, handler).WithMetadata(MonitorEndpoint.Action);
    }

    /// <summary>Sends a task by name and answers its id (and state when a backend keeps states), as Flower's async-apply and send-task.</summary>
    private static async Task SendAsync(HttpContext context, bool mustBeKnown)
    {
        (AsyncResult<JsonElement> Result, TaskApp App)? sent = await SendByNameAsync(context, mustBeKnown).ConfigureAwait(false);
        if (sent is not { } s)
        {
            return;
        }

        await ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("task-id", s.Result.Id);
            if (HasBackend(s.App))
            {
                writer.WriteString("state", TaskStates.ToCelery(s.Result.Status));
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Sends a task and waits for its result, as Flower's apply.</summary>
    private static async Task ApplyAsync(HttpContext context)
    {
        (AsyncResult<JsonElement> Result, TaskApp App)? sent = await SendByNameAsync(context, mustBeKnown: true).ConfigureAwait(false);
        if (sent is not { } s)
        {
            return;
        }

        try
        {
            await s.Result.WaitFinishedAsync(null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            // No backend to wait on (or the wait outlived ResultExpires): Flower's answer is then the id alone.
        }

        ResultOutcome outcome = await ResultOutcome.FromAsync(s.Result).ConfigureAwait(false);
        await ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("task-id", s.Result.Id);
            outcome.WriteResult(writer);
            if (HasBackend(s.App))
            {
                writer.WriteString("state", outcome.State);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static bool HasBackend(TaskApp app) =>
        !string.IsNullOrEmpty(app.Options.ResultBackend) && !app.Options.ResultBackend.StartsWith("disabled", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads Flower's body (<c>{"args": [...], "kwargs": {...}, ...options}</c>), checks the name and sends the task;
    /// on a mistake it answers Flower's status with an empty body and returns null.
    /// </summary>
    private static async Task<(AsyncResult<JsonElement>, TaskApp)?> SendByNameAsync(HttpContext context, bool mustBeKnown)
    {
        string name = ApiResponses.Route(context, "name");
        TaskApp app = context.RequestServices.GetRequiredService<TaskApp>();
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();
        SendRequest? request = await SendRequest.ReadAsync(context).ConfigureAwait(false);
        if (request is null)
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return null;
        }

        bool registered = app.Tasks.TryGet(name, out _, out TaskDefinition? definition);
        if (name.Length == 0 || (mustBeKnown && !registered && !IsKnownTask(store, name)))
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return null;
        }

        string queue = request.Options.Queue ?? (registered ? definition!.Queue : string.Empty);
        try
        {
            AsyncResult<JsonElement> result = await app.SendAsync(CallByName.Create(name, queue, request.Arguments, request.Options), context.RequestAborted).ConfigureAwait(false);
            return (result, app);
        }
        catch (TaskRoutingException ex)
        {
            // A queue the app does not declare (and will not create): the caller's to fix, said in one line.
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>A task name the monitor has seen in events or in a worker's <c>registered</c> reply.</summary>
    private static bool IsKnownTask(MonitorStore store, string name)
    {
        foreach (string type in store.TaskTypes())
        {
            if (type == name)
            {
                return true;
            }
        }

        foreach (WorkerRecord worker in store.Workers())
        {
            if (worker.Inspect.TryGetValue("registered", out JsonElement registered) && registered.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in registered.EnumerateArray())
                {
                    // Celery lists "name [rate_limit=...]" when a task has options; the name is the first word.
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { } text
                        && (text == name || text.StartsWith(name + " ", StringComparison.Ordinal)))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static async Task RevokeAsync(HttpContext context)
    {
        string id = ApiResponses.Route(context, "id");
        bool terminate = false;
        if (await ApiResponses.ArgumentAsync(context, "terminate").ConfigureAwait(false) is { } text)
        {
            if (ApiResponses.ParseBool(text) is not { } value)
            {
                await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
                return;
            }

            terminate = value;
        }

        string signal = await ApiResponses.ArgumentAsync(context, "signal").ConfigureAwait(false) ?? "SIGTERM";

        // Celery's control.revoke broadcasts to every worker and does not wait for replies; neither does Flower.
        await Control(context).CallAsync("revoke", writer =>
        {
            writer.WriteString("task_id", id);
            writer.WriteBoolean("terminate", terminate);
            writer.WriteString("signal", signal);
        }, TimeSpan.Zero, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        await ApiResponses.WriteMessageAsync(context, $"Revoked '{id}'").ConfigureAwait(false);
    }

    private static async Task RateLimitAsync(HttpContext context)
    {
        string task = ApiResponses.Route(context, "name");
        string? worker = await ApiResponses.ArgumentAsync(context, "workername").ConfigureAwait(false);
        string? rateLimit = await ApiResponses.ArgumentAsync(context, "ratelimit").ConfigureAwait(false);
        if (worker is null || rateLimit is null)
        {
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Missing argument {(worker is null ? "workername" : "ratelimit")}").ConfigureAwait(false);
            return;
        }

        if (!await CheckTaskAndWorkerAsync(context, task, worker).ConfigureAwait(false))
        {
            return;
        }

        await ControlReplyAsync(context, worker, "rate_limit", writer =>
        {
            writer.WriteString("task_name", task);
            writer.WriteString("rate_limit", rateLimit);
        }, reason => $"Failed to set rate limit: '{reason}'").ConfigureAwait(false);
    }

    private static async Task TimeLimitAsync(HttpContext context)
    {
        string task = ApiResponses.Route(context, "name");
        string? worker = await ApiResponses.ArgumentAsync(context, "workername").ConfigureAwait(false);
        if (worker is null)
        {
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, "Missing argument workername").ConfigureAwait(false);
            return;
        }

        double?[] limits = new double?[2];
        string[] names = ["hard", "soft"];
        for (int i = 0; i < names.Length; i++)
        {
            if (await ApiResponses.ArgumentAsync(context, names[i]).ConfigureAwait(false) is { } text)
            {
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !double.IsFinite(seconds))
                {
                    await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Invalid argument '{text}' of type 'float'").ConfigureAwait(false);
                    return;
                }

                limits[i] = seconds;
            }
        }

        if (!await CheckTaskAndWorkerAsync(context, task, worker).ConfigureAwait(false))
        {
            return;
        }

        await ControlReplyAsync(context, worker, "time_limit", writer =>
        {
            writer.WriteString("task_name", task);
            WriteNumberOrNull(writer, "hard", limits[0]);
            WriteNumberOrNull(writer, "soft", limits[1]);
        }, reason => $"Failed to set timeouts: '{reason}'").ConfigureAwait(false);
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static async Task ShutdownAsync(HttpContext context)
    {
        string worker = ApiResponses.Route(context, "name");
        if (!await CheckWorkerAsync(context, worker).ConfigureAwait(false))
        {
            return;
        }

        // Celery's shutdown is sent without waiting for a reply: the worker is going away.
        await Control(context).CallAsync("shutdown", null, TimeSpan.Zero, [worker], context.RequestAborted).ConfigureAwait(false);
        await ApiResponses.WriteMessageAsync(context, "Shutting down!").ConfigureAwait(false);
    }

    private static async Task PoolAsync(HttpContext context, string method)
    {
        string worker = ApiResponses.Route(context, "name");
        if (!await CheckWorkerAsync(context, worker).ConfigureAwait(false))
        {
            return;
        }

        int n = 1, min = 0, max = 0;
        foreach ((string name, int fallback, Action<int> set) in new (string, int, Action<int>)[] { ("n", 1, v => n = v), ("min", 0, v => min = v), ("max", 0, v => max = v) })
        {
            string? text = await ApiResponses.ArgumentAsync(context, name).ConfigureAwait(false);
            if (text is null)
            {
                if (method == "autoscale" && name != "n")
                {
                    await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Missing argument {name}").ConfigureAwait(false);
                    return;
                }

                set(fallback);
            }
            else if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                set(value);
            }
            else
            {
                await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Invalid argument '{text}' of type 'int'").ConfigureAwait(false);
                return;
            }
        }

        (string success, string failure) = method switch
        {
            "pool_restart" => ($"Restarting '{worker}' worker's pool", $"Failed to restart the '{worker}' pool"),
            "pool_grow" => ($"Growing '{worker}' worker's pool by {n}", $"Failed to grow '{worker}' worker's pool"),
            "pool_shrink" => ($"Shrinking '{worker}' worker's pool by {n}", $"Failed to shrink '{worker}' worker's pool"),
            _ => ($"Autoscaling '{worker}' worker (min={min}, max={max})", $"Failed to autoscale '{worker}' worker"),
        };
        await ControlReplyAsync(context, worker, method, writer =>
        {
            switch (method)
            {
                case "pool_restart":
                    writer.WriteBoolean("reload", false);
                    break;
                case "autoscale":
                    writer.WriteNumber("min", min);
                    writer.WriteNumber("max", max);
                    break;
                default:
                    writer.WriteNumber("n", n);
                    break;
            }
        }, reason => $"{failure}: {reason}", success).ConfigureAwait(false);
    }

    private static async Task ConsumerAsync(HttpContext context, string method)
    {
        string worker = ApiResponses.Route(context, "name");
        if (!await CheckWorkerAsync(context, worker).ConfigureAwait(false))
        {
            return;
        }

        string? queue = await ApiResponses.ArgumentAsync(context, "queue").ConfigureAwait(false);
        if (string.IsNullOrEmpty(queue))
        {
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, "Missing argument queue").ConfigureAwait(false);
            return;
        }

        await ControlReplyAsync(context, worker, method, writer => writer.WriteString("queue", queue), reason => method == "add_consumer"
            ? $"Failed to add '{queue}' consumer to '{worker}' worker: {reason}"
            : $"Failed to cancel '{queue}' consumer from '{worker}' worker: {reason}").ConfigureAwait(false);
    }

    /// <summary>Flower's checks before a task-type command: the task must be known (404), and so must the worker (404).</summary>
    private static async Task<bool> CheckTaskAndWorkerAsync(HttpContext context, string task, string worker)
    {
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();
        TaskApp app = context.RequestServices.GetRequiredService<TaskApp>();
        if (!app.Tasks.TryGet(task, out _, out _) && !IsKnownTask(store, task))
        {
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status404NotFound, $"Unknown task '{task}'").ConfigureAwait(false);
            return false;
        }

        return await CheckWorkerAsync(context, worker).ConfigureAwait(false);
    }

    private static async Task<bool> CheckWorkerAsync(HttpContext context, string worker)
    {
        if (worker.Length == 0 || context.RequestServices.GetRequiredService<MonitorStore>().GetWorker(worker) is null)
        {
            await ApiResponses.WriteTextAsync(context, StatusCodes.Status404NotFound, $"Unknown worker '{worker}'").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Sends <paramref name="method"/> to one worker and answers its <c>ok</c> text (or <paramref name="success"/>) as
    /// Flower's message, or 403 with the worker's <c>error</c> (Celery's "No such key" from a worker without the command).
    /// </summary>
    private static async Task ControlReplyAsync(HttpContext context, string worker, string method, Action<Utf8JsonWriter> arguments, Func<string, string> failure, string? success = null)
    {
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();
        IReadOnlyList<ControlReply> replies = await Control(context).CallAsync(method, arguments, store.Options.InspectTimeout, [worker], context.RequestAborted).ConfigureAwait(false);
        string reason = "Unknown reason";
        foreach (ControlReply reply in replies)
        {
            if (reply.Node != worker || reply.Reply.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (reply.Reply.TryGetProperty("ok", out JsonElement ok))
            {
                await ApiResponses.WriteMessageAsync(context, success ?? (ok.ValueKind == JsonValueKind.String ? ok.GetString()! : ok.GetRawText())).ConfigureAwait(false);
                return;
            }

            if (reply.Reply.TryGetProperty("error", out JsonElement error))
            {
                reason = error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText();
            }
        }

        await ApiResponses.WriteTextAsync(context, StatusCodes.Status403Forbidden, failure(reason)).ConfigureAwait(false);
    }

    private static RemoteControlClient Control(HttpContext context) => new(context.RequestServices.GetRequiredService<TaskApp>());
}
