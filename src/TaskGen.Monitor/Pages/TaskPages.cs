using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>The task list (filters and paging over every kept task) and one task's page with its timeline and canvas.</summary>
internal static class TaskPages
{
    /// <summary>Rows per page unless <c>limit</c> says otherwise.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The most rows one page shows, so a page stays quick with 100,000 tasks kept.</summary>
    public const int MaxLimit = 500;

    public static Task ListAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        IQueryCollection q = http.Request.Query;
        string[] states = q["state"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!.ToUpperInvariant()).Distinct().ToArray();
        string? name = Value(q["name"]);
        string? worker = Value(q["worker"]);
        string? search = Value(q["q"]);
        string? sort = Value(q["sort"]);
        string? from = Value(q["received_from"]);
        string? to = Value(q["received_to"]);
        int limit = Math.Clamp(Int(q["limit"]) ?? DefaultLimit, 1, MaxLimit);
        int offset = Math.Max(0, Int(q["offset"]) ?? 0);

        TaskPage found = page.Store.Query(new TaskQuery
        {
            States = states,
            Name = name,
            Worker = worker,
            Search = search,
            SortBy = sort,
            ReceivedStart = Epoch(from),
            ReceivedEnd = Epoch(to),
            Offset = offset,
            Limit = limit,
        });

        bool live = states.Length == 0 && name is null && worker is null && search is null && sort is null && from is null && to is null && offset == 0;
        var body = new Html();
        body.Raw("<h1>Tasks</h1>");
        WorkerPages.Counts(body, page, LiveSummary.Build(page.Store));
        Filters(body, page, states, name, worker, search, from, to, limit);

        body.Raw("<p class=\"paging\"><span id=\"total\">").Text(found.Total.ToString("N0", CultureInfo.InvariantCulture)).Raw("</span> matching")
            .Raw(found.Total > 0 ? ", <span id=\"shown\">" : "<span id=\"shown\" hidden>").Text($"{offset + 1:N0}–{offset + found.Tasks.Count:N0}").Raw("</span> shown. ");
        if (offset > 0)
        {
            body.Link(PageLink(page, http, Math.Max(0, offset - limit)), "← newer").Raw(" ");
        }

        if (offset + found.Tasks.Count < found.Total)
        {
            body.Link(PageLink(page, http, offset + limit), "older →");
        }

        body.Raw("</p>");
        body.Raw("<table class=\"grid tasks\" id=\"tasks\"").Attr("data-live", live ? "1" : "0").Attr("data-limit", limit.ToString(CultureInfo.InvariantCulture))
            .Raw("><thead><tr><th>Name</th><th>UUID</th><th>State</th><th>Args</th><th>Kwargs</th><th>Result</th><th>Received</th><th>Started</th><th>Runtime</th><th>Worker</th></tr></thead><tbody>");
        foreach (TaskRecord task in found.Tasks)
        {
            Row(body, page, task);
        }

        body.Raw("</tbody></table>");
        if (found.Total == 0)
        {
            body.Raw("<p class=\"empty\">No task matches.</p>");
        }

        return page.WriteAsync("Tasks", "tasks", body);
    }

    public static Task TaskAsync(HttpContext http, string suffix, string id)
    {
        PageContext page = PageContext.For(http, suffix);
        MonitorStore store = page.Store;
        var body = new Html();
        if (store.GetTask(id) is not { } task)
        {
            body.Raw("<h1>Unknown task</h1><p>").Text($"No task {id} is kept: it was never seen, or it was evicted to keep memory bounded.").Raw("</p>");
            return page.WriteAsync("Unknown task", "tasks", body, StatusCodes.Status404NotFound);
        }

        body.Raw("<h1>").Text(task.Name ?? "(unnamed task)").Raw(" <span class=\"t-state\" data-task-state").Attr("data-task", task.Id).Raw(">").State(task.State).Raw("</span></h1>");
        body.Raw("<p class=\"uuid\">").Text(task.Id).Raw("</p>");
        // Fields on the left (only those the events filled), the task's text on the right, then its canvas and timeline.
        body.Raw("<div class=\"task-top\"><table class=\"fields\"><tbody>");
        Field(body, "Name", task.Name);
        Field(body, "UUID", task.Id);
        Field(body, "State", task.State);
        Field(body, "Worker", task.Worker, task.Worker is { } w ? page.Url("/worker/" + Uri.EscapeDataString(w)) : null);
        Field(body, "Sent by", task.Client);
        Field(body, "Queue", task.Queue);
        Field(body, "Exchange", task.Exchange);
        Field(body, "Routing key", task.RoutingKey);
        Field(body, "Retries", task.Retries?.ToString(CultureInfo.InvariantCulture));
        Field(body, "ETA", task.Eta);
        Field(body, "Expires", task.Expires);
        Field(body, "Sent", Utc(task.Sent));
        Field(body, "Received", Utc(task.Received));
        Field(body, "Started", Utc(task.Started));
        Field(body, "Succeeded", Utc(task.Succeeded));
        Field(body, "Failed", Utc(task.Failed));
        Field(body, "Retried", Utc(task.Retried));
        Field(body, "Revoked", Utc(task.Revoked));
        Field(body, "Rejected", Utc(task.Rejected));
        Field(body, "Runtime", Html.Duration(task.Runtime));
        Field(body, "Root", task.RootId, Link(page, task.RootId, task.Id));
        Field(body, "Parent", task.ParentId, Link(page, task.ParentId, task.Id));
        Field(body, "Group", task.Group);
        Field(body, "Group index", task.GroupIndex?.ToString(CultureInfo.InvariantCulture));
        Field(body, "Clock", task.Clock.ToString(CultureInfo.InvariantCulture));
        Field(body, "Source", task.Source ?? "events");
        body.Raw("</tbody></table><div class=\"task-text\">");
        Block(body, "Args", task.Args ?? string.Empty, "args");
        Block(body, "Kwargs", task.Kwargs ?? string.Empty, "kwargs");
        if (task.Result is not null)
        {
            Block(body, "Result", task.Result, "result");
        }

        if (task.Exception is not null)
        {
            Block(body, "Exception", task.Exception, "exception");
        }

        if (task.Traceback is not null)
        {
            Block(body, "Traceback", task.Traceback, "traceback");
        }

        body.Raw("</div></div>");
        ActionForms.ForTask(body, page, task);
        CanvasGraph.Render(body, page, task);

        body.Raw("<h2>Timeline</h2><table class=\"grid\" id=\"timeline\"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Host</th><th>Detail</th></tr></thead><tbody>");
        foreach (TaskEvent item in task.Timeline)
        {
            body.Raw("<tr>").Cell(Html.Time(item.Timestamp)).Cell(item.Type).Cell(item.Hostname).Cell(item.Detail, "code").Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        if (task.Children.Count > 0)
        {
            body.Raw("<h2>Children</h2><ul class=\"names\">");
            foreach (string child in task.Children)
            {
                body.Raw("<li>").Link(page.Url("/task/" + Uri.EscapeDataString(child)), child).Raw("</li>");
            }

            body.Raw("</ul>");
        }

        return page.WriteAsync(task.Name ?? task.Id, "tasks", body);
    }

    /// <summary>One task list row; the live view finds rows by <c>data-task</c> and adds new ones in the same shape.</summary>
    private static void Row(Html body, PageContext page, TaskRecord task)
    {
        body.Raw("<tr").Attr("data-task", task.Id).Raw(">")
            .Cell(task.Name)
            .Raw("<td>").Link(page.Url("/task/" + Uri.EscapeDataString(task.Id)), task.Id, "uuid").Raw("</td>")
            .Raw("<td class=\"t-state\">").State(task.State).Raw("</td>")
            .Cell(Html.Short(task.Args), "code")
            .Cell(Html.Short(task.Kwargs), "code")
            .Cell(Html.Short(task.Result ?? task.Exception), "code")
            .Cell(Html.Time(task.Received), "time")
            .Cell(Html.Time(task.Started), "time")
            .Cell(Html.Duration(task.Runtime), "num")
            .Cell(task.Worker)
            .Raw("</tr>");
    }

    private static void Filters(Html body, PageContext page, string[] states, string? name, string? worker, string? search, string? from, string? to, int limit)
    {
        body.Raw("<form class=\"filters\" method=\"get\"").Attr("action", page.Url("/tasks")).Raw("><fieldset class=\"states\"><legend>State</legend>");
        foreach (string state in CeleryStates.All)
        {
            body.Raw("<label><input type=\"checkbox\" name=\"state\"").Attr("value", state).Raw(states.Contains(state, StringComparer.OrdinalIgnoreCase) ? " checked" : string.Empty)
                .Raw("> ").Text(state).Raw("</label>");
        }

        body.Raw("</fieldset><label>Name <select name=\"name\"><option value=\"\">any</option>");
        foreach (string type in page.Store.TaskTypes())
        {
            body.Raw("<option").Attr("value", type).Raw(type == name ? " selected" : string.Empty).Raw(">").Text(type).Raw("</option>");
        }

        body.Raw("</select></label><label>Worker <select name=\"worker\"><option value=\"\">any</option>");
        foreach (WorkerRecord known in page.Store.Workers())
        {
            body.Raw("<option").Attr("value", known.Hostname).Raw(known.Hostname == worker ? " selected" : string.Empty).Raw(">").Text(known.Hostname).Raw("</option>");
        }

        body.Raw("</select></label>")
            .Raw("<label>Received from <input type=\"datetime-local\" step=\"1\" name=\"received_from\"").Attr("value", from).Raw("></label>")
            .Raw("<label>to <input type=\"datetime-local\" step=\"1\" name=\"received_to\"").Attr("value", to).Raw("></label>")
            .Raw("<label>Text <input type=\"search\" name=\"q\" placeholder=\"id, name, args, result…\"").Attr("value", search).Raw("></label>")
            .Raw("<label>Rows <input type=\"number\" min=\"1\"").Attr("max", MaxLimit.ToString(CultureInfo.InvariantCulture)).Raw(" name=\"limit\"").Attr("value", limit.ToString(CultureInfo.InvariantCulture)).Raw("></label>")
            .Raw("<button type=\"submit\">Filter</button> ").Link(page.Url("/tasks"), "clear")
            .Raw("<p class=\"hint\">Times are UTC.</p></form>");
    }

    private static string PageLink(PageContext page, HttpContext http, int offset)
    {
        var pairs = new List<string>();
        foreach (KeyValuePair<string, StringValues> pair in http.Request.Query)
        {
            if (pair.Key != "offset")
            {
                foreach (string? value in pair.Value)
                {
                    pairs.Add(Uri.EscapeDataString(pair.Key) + "=" + Uri.EscapeDataString(value ?? string.Empty));
                }
            }
        }

        pairs.Add("offset=" + offset.ToString(CultureInfo.InvariantCulture));
        return page.Url("/tasks?" + string.Join("&", pairs));
    }

    private static void Field(Html body, string name, string? value, string? href = null)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        body.Raw("<tr><th>").Text(name).Raw("</th><td>");
        if (href is not null && !string.IsNullOrEmpty(value))
        {
            body.Link(href, value);
        }
        else
        {
            body.Text(value);
        }

        body.Raw("</td></tr>");
    }

    private static void Block(Html body, string title, string? text, string id) =>
        body.Raw("<h2>").Text(title).Raw("</h2><pre").Attr("id", id).Raw(">").Text(text).Raw("</pre>");

    private static string? Link(PageContext page, string? id, string self) =>
        id is null || id == self ? null : page.Url("/task/" + Uri.EscapeDataString(id));

    private static string? Utc(double? time) => Html.Time(time) is { Length: > 0 } text ? text + " UTC" : null;

    private static string? Value(StringValues values) => values.Count > 0 && !string.IsNullOrWhiteSpace(values[^1]) ? values[^1]!.Trim() : null;

    private static int? Int(StringValues values) =>
        int.TryParse(Value(values), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    /// <summary>Reads a <c>datetime-local</c> value (or ISO 8601, or epoch seconds) as UTC epoch seconds.</summary>
    internal static double? Epoch(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time.ToUnixTimeMilliseconds() / 1000.0
            : null;
    }
}
