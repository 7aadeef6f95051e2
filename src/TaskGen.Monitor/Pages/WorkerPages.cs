using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>The workers page (the monitor's front page, with the state counts and charts) and one worker's page.</summary>
internal static class WorkerPages
{
    public static Task WorkersAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        MonitorStore store = page.Store;
        double now = store.Now;
        IReadOnlyList<WorkerRecord> workers = store.Workers();
        LiveSummary summary = LiveSummary.Build(store);

        var body = new Html();
        body.Raw("<h1>Workers</h1>");
        Counts(body, page, summary);
        body.Raw("<table class=\"grid\" id=\"workers\"><thead><tr><th>Worker</th><th>Status</th><th>Heartbeat</th><th>Active</th><th>Processed</th>")
            .Raw("<th>Pool</th><th>Concurrency</th><th>Queues</th><th>Software</th><th>Load</th></tr></thead><tbody>");
        foreach (WorkerRecord worker in workers)
        {
            bool alive = worker.IsAlive(now);
            body.Raw("<tr").Attr("data-worker", worker.Hostname).Raw("><td>").Link(page.Url("/worker/" + Uri.EscapeDataString(worker.Hostname)), worker.Hostname).Raw("</td>")
                .Raw("<td class=\"w-status\"><span").Attr("class", alive ? "online" : "offline").Raw(">").Text(alive ? "online" : "offline").Raw("</span></td>")
                .Cell(worker.LastHeartbeat is { } beat ? Html.Duration(Math.Round(Math.Max(0, now - beat))) + " ago" : string.Empty, "w-heartbeat")
                .Cell(worker.Active?.ToString(System.Globalization.CultureInfo.InvariantCulture), "w-active num")
                .Cell(worker.Processed?.ToString(System.Globalization.CultureInfo.InvariantCulture), "w-processed num")
                .Cell(InspectReading.Pool(worker))
                .Cell(InspectReading.Concurrency(worker), "num")
                .Cell(string.Join(", ", InspectReading.Queues(worker)))
                .Cell(Software(worker))
                .Cell(worker.Loadavg is { } load ? string.Join(" ", Array.ConvertAll(load, l => l.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))) : string.Empty)
                .Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        if (workers.Count == 0)
        {
            body.Raw("<p class=\"empty\">No worker has been seen yet. Workers send events when started with <code>-E</code> (TaskGen: events on); the monitor asks them to every few seconds.</p>");
        }

        Charts.Throughput(body, summary);
        Charts.Runtime(body, store.Metrics());
        return page.WriteAsync("Workers", "workers", body);
    }

    public static Task WorkerAsync(HttpContext http, string suffix, string name)
    {
        PageContext page = PageContext.For(http, suffix);
        MonitorStore store = page.Store;
        var body = new Html();
        if (store.GetWorker(name) is not { } worker)
        {
            body.Raw("<h1>Unknown worker</h1><p>").Text($"No worker named {name} is known.").Raw("</p>");
            return page.WriteAsync("Unknown worker", "workers", body, StatusCodes.Status404NotFound);
        }

        double now = store.Now;
        bool alive = worker.IsAlive(now);
        body.Raw("<h1>").Text(worker.Hostname).Raw(" <span").Attr("class", alive ? "online" : "offline").Raw(">").Text(alive ? "online" : "offline").Raw("</span></h1>");
        body.Raw("<table class=\"fields\"><tbody>");
        Field(body, "Software", Software(worker));
        Field(body, "System", worker.SwSys);
        Field(body, "PID", worker.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Heartbeat every", Html.Duration(worker.Freq));
        Field(body, "Last heartbeat", worker.LastHeartbeat is { } beat ? Html.Time(beat) + " UTC (" + Html.Duration(Math.Max(0, now - beat)) + " ago)" : null);
        Field(body, "Active", worker.Active?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Processed", worker.Processed?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(body, "Pool", InspectReading.Pool(worker));
        Field(body, "Concurrency", InspectReading.Concurrency(worker));
        Field(body, "Inspected", worker.InspectedAt is { } at ? Html.Time(at) + " UTC" : "not yet");
        body.Raw("</tbody></table>");

        body.Raw("<h2>Queues</h2>");
        List(body, InspectReading.Queues(worker), "No active_queues reply yet.");
        foreach ((string method, string title) in new[] { ("active", "Active"), ("reserved", "Reserved"), ("scheduled", "Scheduled") })
        {
            var requests = InspectReading.Requests(worker, method);
            body.Raw("<h2>").Text(title).Raw("</h2>");
            if (requests.Count == 0)
            {
                body.Raw("<p class=\"empty\">").Text(worker.Inspect.ContainsKey(method) ? "None." : $"No {method} reply yet.").Raw("</p>");
                continue;
            }

            body.Raw("<table class=\"grid\"><thead><tr><th>Task</th><th>Name</th><th>Args</th><th>ETA</th></tr></thead><tbody>");
            foreach (var request in requests)
            {
                body.Raw("<tr><td>");
                if (request.Id is { } id)
                {
                    body.Link(page.Url("/task/" + Uri.EscapeDataString(id)), id);
                }

                body.Raw("</td>").Cell(request.Name).Cell(Html.Short(request.Args), "code").Cell(request.Eta).Raw("</tr>");
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<h2>Registered tasks</h2>");
        List(body, InspectReading.Registered(worker), "No registered reply yet.");
        body.Raw("<h2>Stats</h2>");
        var stats = InspectReading.Stats(worker);
        if (stats.Count == 0)
        {
            body.Raw("<p class=\"empty\">No stats reply yet.</p>");
        }
        else
        {
            body.Raw("<table class=\"fields\"><tbody>");
            foreach ((string key, string value) in stats)
            {
                Field(body, key, value);
            }

            body.Raw("</tbody></table>");
        }

        body.Raw("<p>").Link(page.Url("/tasks?worker=" + Uri.EscapeDataString(worker.Hostname)), "This worker's tasks").Raw("</p>");
        ActionForms.ForWorker(body, page, worker.Hostname);
        return page.WriteAsync(worker.Hostname, "workers", body);
    }

    /// <summary>The state counts above the workers table, each a link to the task list filtered by it; the live view updates them.</summary>
    public static void Counts(Html body, PageContext page, LiveSummary summary)
    {
        body.Raw("<div class=\"counts\" id=\"counts\">");
        body.Raw("<a class=\"count\"").Attr("href", page.Url("/workers")).Raw("><span class=\"n\" id=\"workers-online\">").Number(summary.WorkersOnline).Raw("</span> workers online</a>");
        foreach (string state in CeleryStates.All)
        {
            summary.States.TryGetValue(state, out int count);
            body.Raw("<a").Attr("class", "count " + Html.StateClass(state)).Attr("href", page.Url("/tasks?state=" + state))
                .Raw("><span class=\"n\"").Attr("data-count", state).Raw(">").Number(count).Raw("</span> ").Text(state.ToLowerInvariant()).Raw("</a>");
        }

        body.Raw("</div>");
    }

    /// <summary>Which software the worker runs: TaskGen or Celery (Celery says <c>py-celery</c>), with its version.</summary>
    public static string Software(WorkerRecord worker) => (worker.SwIdent switch
    {
        null => string.Empty,
        "py-celery" => "Celery",
        var ident => ident,
    } + " " + worker.SwVer).Trim();

    private static void Field(Html body, string name, string? value) => body.Raw("<tr><th>").Text(name).Raw("</th><td>").Text(value).Raw("</td></tr>");

    private static void List(Html body, List<string> items, string empty)
    {
        if (items.Count == 0)
        {
            body.Raw("<p class=\"empty\">").Text(empty).Raw("</p>");
            return;
        }

        body.Raw("<ul class=\"names\">");
        foreach (string item in items)
        {
            body.Element("li", item);
        }

        body.Raw("</ul>");
    }
}
