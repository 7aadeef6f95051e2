using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Api;

/// <summary>Flower's REST API, <c>/metrics</c> and <c>/healthcheck</c> at Flower's paths and shapes.</summary>
/// <remarks>
/// Where Flower answers a client's mistake with 500 (a <c>limit</c> that is not a number, an unknown <c>sort_by</c>, a
/// badly written time), this answers 400 with the same empty body: the status says whose mistake it is. Flower's
/// HTML-escaping of query values before use is not copied: <c>workername=a&amp;b</c> means <c>a&amp;b</c>.
/// </remarks>
internal static partial class MonitorApi
{
    /// <summary>
    /// The longest <c>timeout</c> the result endpoint waits; more is a bad request (a huge one would overflow
    /// <see cref="TimeSpan"/>), and a request held a day is one no client is still waiting for.
    /// </summary>
    public static readonly TimeSpan MaxResultTimeout = TimeSpan.FromDays(1);

    /// <summary>Maps the API's endpoints into the monitor's group.</summary>
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/healthcheck", HealthcheckAsync).WithMetadata(MonitorEndpoint.Open);
        group.MapGet("/metrics", MetricsAsync);
        group.MapGet("/api/workers", WorkersAsync);
        group.MapGet("/api/tasks", TasksAsync);
        group.MapGet("/api/task/types", TaskTypesAsync);
        group.MapGet("/api/queues/length", QueueLengthsAsync);
        group.MapGet("/api/task/info/{**id}", TaskInfoAsync);
        group.MapGet("/api/task/result/{**id}", TaskResultAsync);
        MapActions(group);
    }

    // Flower always answers OK; this one answers 503 while the event consumer is lost, so a monitor that sees nothing
    // is restarted or looked at rather than trusted.
    private static Task HealthcheckAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<State.MonitorEventConsumer>().Down
            ? ApiResponses.WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "Not receiving events: the event consumer is lost and reconnecting.")
            : ApiResponses.WriteTextAsync(context, StatusCodes.Status200OK, "OK");

    private static async Task MetricsAsync(HttpContext context)
    {
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();

        // Flower forgets the series of workers offline too long at each scrape, so a dashboard stops showing them.
        if (store.Options.PurgeOfflineWorkers is { } purge)
        {
            store.PurgeOfflineWorkers(purge);
        }

        byte[] body = System.Text.Encoding.UTF8.GetBytes(PrometheusText.Render(store.Metrics()));
        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WorkersAsync(HttpContext context)
    {
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();
        bool refresh = false, status = false;
        foreach ((string name, Action<bool> set) in new (string, Action<bool>)[] { ("refresh", v => refresh = v), ("status", v => status = v) })
        {
            if (ApiResponses.Query(context, name) is { } text)
            {
                if (ApiResponses.ParseBool(text) is not { } value)
                {
                    await ApiResponses.WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Invalid argument '{text}' of type 'bool'").ConfigureAwait(false);
                    return;
                }

                set(value);
            }
        }

        string? workername = ApiResponses.Query(context, "workername");
        if (refresh)
        {
            try
            {
                await context.RequestServices.GetRequiredService<InspectPoller>().PollAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                await ApiResponses.WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, $"Failed to update workers: {ex.Message}").ConfigureAwait(false);
                return;
            }
        }

        if (status)
        {
            double now = store.Now;
            await ApiResponses.WriteJsonAsync(context, writer =>
            {
                writer.WriteStartObject();
                foreach (WorkerRecord worker in store.Workers())
                {
                    // Flower's answer covers the workers its events know; one seen only through inspect is not among them.
                    if (worker.LastSeen is not null || worker.Offline)
                    {
                        writer.WriteBoolean(worker.Hostname, worker.IsAlive(now));
                    }
                }

                writer.WriteEndObject();
            }).ConfigureAwait(false);
            return;
        }

        List<WorkerRecord> workers = WorkerJson.Inspected(store.Workers());
        if (!string.IsNullOrEmpty(workername))
        {
            WorkerRecord? one = workers.Find(w => w.Hostname == workername);
            if (one is null)
            {
                await ApiResponses.WriteTextAsync(context, StatusCodes.Status404NotFound, $"Unknown worker '{workername}'").ConfigureAwait(false);
                return;
            }

            workers = [one];
        }

        await ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            foreach (WorkerRecord worker in workers)
            {
                writer.WritePropertyName(worker.Hostname);
                WorkerJson.Write(writer, worker);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task TasksAsync(HttpContext context)
    {
        int? limit = null;
        int offset = 0;
        if (ApiResponses.Query(context, "limit") is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int parsed))
            {
                await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
                return;
            }

            limit = parsed;
        }

        if (ApiResponses.Query(context, "offset") is { } offsetText
            && !int.TryParse(offsetText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out offset))
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        string? sortBy = ApiResponses.Query(context, "sort_by");
        if (!string.IsNullOrEmpty(sortBy) && Array.IndexOf(FlowerTaskList.SortKeys, sortBy.TrimStart('-')) < 0)
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        if (!FlowerTaskList.TryParseTime(ApiResponses.Query(context, "received_start"), out double? receivedStart)
            || !FlowerTaskList.TryParseTime(ApiResponses.Query(context, "received_end"), out double? receivedEnd)
            || !FlowerTaskList.TryParseTime(ApiResponses.Query(context, "started_start"), out double? startedStart)
            || !FlowerTaskList.TryParseTime(ApiResponses.Query(context, "started_end"), out double? startedEnd))
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        TaskSearch search;
        try
        {
            search = TaskSearch.Parse(ApiResponses.Query(context, "search"));
        }
        catch (FormatException ex)
        {
            await ApiResponses.WriteJsonAsync(context, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("error", ex.Message);
                writer.WriteEndObject();
            }, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        string? name = AllIsNone(ApiResponses.Query(context, "taskname"));
        string? worker = AllIsNone(ApiResponses.Query(context, "workername"));
        string? state = AllIsNone(ApiResponses.Query(context, "state"));
        MonitorStore store = context.RequestServices.GetRequiredService<MonitorStore>();
        IReadOnlyList<string> states = state is null ? [] : [state];
        bool storeOrder = sortBy is null or "" or "received" or "-received" or "started" or "-started";
        if (name is null && worker is null && receivedStart is null && receivedEnd is null && startedStart is null && startedEnd is null && search.MatchesAll && storeOrder)
        {
            // The dashboards' usual question (the latest N, by state or not): the store filters, sorts and copies only
            // the page, as Flower orders it (nulls first ascending, last descending); equal times keep arrival order.
            TaskPage direct = store.Query(new TaskQuery { States = states, SortBy = string.IsNullOrEmpty(sortBy) ? null : sortBy, Offset = Math.Max(offset, 0), Limit = limit is { } n ? Math.Max(n, 0) : null });
            await WriteTaskListAsync(context, direct.Tasks, 0, direct.Tasks.Count).ConfigureAwait(false);
            return;
        }

        // The store filters by state (case ignored, as Flower); Flower's other rules differ from the pages' and run here.
        TaskPage candidates = store.Query(new TaskQuery { States = states });
        var page = new List<TaskRecord>();
        foreach (TaskRecord task in candidates.Tasks)
        {
            if (FlowerTaskList.Matches(task, name, worker, receivedStart, receivedEnd, startedStart, startedEnd, search))
            {
                page.Add(task);
            }
        }

        FlowerTaskList.Sort(page, sortBy);
        offset = Math.Clamp(offset, 0, page.Count);
        int count = limit is { } l ? Math.Clamp(l, 0, page.Count - offset) : page.Count - offset;
        await WriteTaskListAsync(context, page, offset, count).ConfigureAwait(false);
    }

    /// <summary>Flower's list: an object keyed by task id, in page order.</summary>
    private static Task WriteTaskListAsync(HttpContext context, IReadOnlyList<TaskRecord> tasks, int offset, int count) =>
        ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            for (int i = offset; i < offset + count; i++)
            {
                writer.WritePropertyName(tasks[i].Id);
                TaskJson.Write(writer, tasks[i], workerLast: true);
            }

            writer.WriteEndObject();
        });

    private static string? AllIsNone(string? value) => string.IsNullOrEmpty(value) || value == "All" ? null : value;

    private static Task TaskTypesAsync(HttpContext context)
    {
        IReadOnlyList<string> types = context.RequestServices.GetRequiredService<MonitorStore>().TaskTypes();
        return ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("task-types");
            foreach (string type in types)
            {
                writer.WriteStringValue(type);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static async Task QueueLengthsAsync(HttpContext context)
    {
        IReadOnlyList<QueueLength> lengths;
        try
        {
            lengths = await context.RequestServices.GetRequiredService<QueueLengths>().ReadAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // Flower answers an empty list when the broker cannot say.
            lengths = [];
        }

        await ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("active_queues");
            foreach (QueueLength queue in lengths)
            {
                writer.WriteStartObject();
                writer.WriteString("name", queue.Name);
                writer.WriteNumber("messages", queue.Messages);
                writer.WriteNumber("consumers", queue.Consumers);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task TaskInfoAsync(HttpContext context)
    {
        string id = ApiResponses.Route(context, "id");
        TaskRecord? task = id.Length == 0 ? null : context.RequestServices.GetRequiredService<MonitorStore>().GetTask(id);
        return task is null
            ? ApiResponses.WriteEmptyAsync(context, StatusCodes.Status404NotFound)
            : ApiResponses.WriteJsonAsync(context, writer => TaskJson.Write(writer, task, workerLast: false));
    }

    private static async Task TaskResultAsync(HttpContext context)
    {
        string id = ApiResponses.Route(context, "id");
        double? timeout = null;
        if (ApiResponses.Query(context, "timeout") is { Length: > 0 } timeoutText)
        {
            if (!double.TryParse(timeoutText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > MaxResultTimeout.TotalSeconds)
            {
                await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
                return;
            }

            timeout = seconds;
        }

        if (id.Length == 0)
        {
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }

        TaskApp app = context.RequestServices.GetRequiredService<TaskApp>();
        AsyncResult<JsonElement> result;
        try
        {
            result = app.GetResult(id);
        }
        catch (NotSupportedException)
        {
            // Flower answers 503 when no backend stores results by id (rpc:// keeps them for their sender only).
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status503ServiceUnavailable).ConfigureAwait(false);
            return;
        }

        ResultOutcome outcome;
        try
        {
            outcome = await ResultOutcome.ReadAsync(result, timeout is { } t and > 0 ? TimeSpan.FromSeconds(t) : null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Flower's AsyncResult.get(timeout) raises, and Flower answers 500 with no body.
            await ApiResponses.WriteEmptyAsync(context, StatusCodes.Status500InternalServerError).ConfigureAwait(false);
            return;
        }

        await ApiResponses.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("task-id", id);
            writer.WriteString("state", outcome.State);
            outcome.WriteResult(writer);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
