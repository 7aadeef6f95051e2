using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.Apply;
using TaskGen.Monitor.Schedules;
using TaskGen.Monitor.State;
using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// Sending a task from the monitor, and the schedule. A task the app was compiled with gets a form with one typed
/// field per argument from its generated signature; a task known only by name (a Python worker's) gets JSON fields,
/// as Flower offers.
/// </summary>
internal static class ApplyPages
{
    public static Task ListAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        IReadOnlyList<TaskSignatureInfo> typed = app.Tasks.Signatures();
        var body = new Html();
        body.Raw("<h1>Apply a task</h1>");
        if (page.Store.Options.ReadOnly)
        {
            body.Raw("<p class=\"hint\">The monitor is read-only: sending is off.</p>");
        }

        body.Raw("<table id=\"apply-tasks\"><thead><tr><th>task</th><th>arguments</th><th>queue</th></tr></thead><tbody>");
        foreach (TaskSignatureInfo signature in typed)
        {
            body.Raw("<tr").Attr("data-task", signature.Name).Raw("><td>").Link(page.Url("/apply/" + Uri.EscapeDataString(signature.Name)), signature.Name).Raw("</td>")
                .Cell(string.Join(", ", signature.Arguments.Select(a => a.Type + " " + a.Name)))
                .Cell(signature.Queue.Length == 0 ? "(default)" : signature.Queue).Raw("</tr>");
        }

        foreach (string name in page.Store.TaskTypes().Concat(RegisteredNames(page.Store)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (typed.Any(s => s.Name == name))
            {
                continue;
            }

            body.Raw("<tr").Attr("data-task", name).Raw("><td>").Link(page.Url("/apply/" + Uri.EscapeDataString(name)), name).Raw("</td>")
                .Cell("JSON (the task is not in this app)").Cell(string.Empty).Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        return page.WriteAsync("Apply", "apply", body);
    }

    public static Task FormAsync(HttpContext http, string suffix, string name) => WriteFormAsync(http, suffix, name, [], null);

    /// <summary>Reads the posted form, checks every field, and sends the task by name with the keyword arguments it built.</summary>
    public static async Task SendAsync(HttpContext http, string suffix, string name)
    {
        PageContext page = PageContext.For(http, suffix);
        if (page.Store.Options.ReadOnly)
        {
            await page.WriteAsync("Apply", "apply", new Html().Raw("<p class=\"empty\">The monitor is read-only: sending is off.</p>"), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }

        if (http.RequestServices.GetService<IAntiforgery>() is not { } antiforgery || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            await page.WriteAsync("Apply", "apply", new Html().Raw("<p class=\"empty\">The form's antiforgery token is missing or wrong: reload the page and try again.</p>"), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var fields = form.ToDictionary(f => f.Key, f => (string?)f.Value.ToString(), StringComparer.Ordinal);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        TaskSignatureInfo? signature = app.Tasks.Signatures().FirstOrDefault(s => s.Name == name);
        string? args = null;
        string kwargs;
        IReadOnlyList<string> problems;
        if (signature is not null)
        {
            problems = ArgumentForm.Read(signature, fields, out kwargs);
        }
        else
        {
            problems = RawJson(fields, out args, out kwargs);
        }

        if (problems.Count > 0)
        {
            await WriteFormAsync(http, suffix, name, problems, fields, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        string queue = fields.GetValueOrDefault("queue") is { Length: > 0 } chosen ? chosen : signature?.Queue ?? string.Empty;
        try
        {
            AsyncResult<JsonElement> sent = await app.SendAsync(CallByName.Create(name, queue, new RawJsonArguments(args, kwargs), null), http.RequestAborted).ConfigureAwait(false);
            http.Response.Redirect(page.Url("/task/" + Uri.EscapeDataString(sent.Id)), permanent: false);
        }
        catch (TaskRoutingException ex)
        {
            await WriteFormAsync(http, suffix, name, [ex.Message], fields, StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }
    }

    public static async Task SchedulesAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        ScheduleSnapshot schedule = await new ScheduleView(
            http.RequestServices.GetRequiredService<TaskApp>(),
            http.RequestServices.GetService<Microsoft.Extensions.Configuration.IConfiguration>(),
            http.RequestServices.GetService<Microsoft.Extensions.Options.IOptions<TaskGen.Scheduling.SchedulerOptions>>()?.Value).ReadAsync(http.RequestAborted).ConfigureAwait(false);
        var body = new Html();
        body.Raw("<h1>Schedule <small>").Text(schedule.Name).Raw("</small></h1>");
        body.Raw("<p id=\"leader\">").Text(schedule.Leader is { } leader
            ? $"Leader: {leader.Node} since {leader.Since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC (epoch {leader.Epoch})."
            : schedule.Entries.Count == 0 ? "This app has no periodic tasks." : "No process leads the schedule: no beat is running.").Raw("</p>");
        if (schedule.Problem is { } problem)
        {
            body.Raw("<p class=\"empty\">").Text(problem).Raw("</p>");
        }

        body.Raw("<table id=\"schedule\"><thead><tr><th>entry</th><th>task</th><th>schedule</th><th>zone</th><th>misfire</th><th>queue</th><th>next runs</th></tr></thead><tbody>");
        foreach (ScheduleRow row in schedule.Entries)
        {
            body.Raw("<tr").Attr("data-entry", row.Name).Raw(">").Cell(row.Name).Cell(row.Task).Cell(row.Schedule).Cell(row.Zone).Cell(row.Misfire).Cell(row.Queue)
                .Cell(string.Join(", ", row.Next.Select(n => n.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)))).Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        await page.WriteAsync("Schedule", "schedules", body).ConfigureAwait(false);
    }

    private static async Task WriteFormAsync(HttpContext http, string suffix, string name, IReadOnlyList<string> problems, IReadOnlyDictionary<string, string?>? posted, int status = StatusCodes.Status200OK)
    {
        PageContext page = PageContext.For(http, suffix);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        TaskSignatureInfo? signature = app.Tasks.Signatures().FirstOrDefault(s => s.Name == name);
        var body = new Html();
        body.Raw("<h1>Apply <small>").Text(name).Raw("</small></h1>");
        if (problems.Count > 0)
        {
            body.Raw("<ul class=\"problems\" id=\"problems\">");
            foreach (string problem in problems)
            {
                body.Element("li", problem);
            }

            body.Raw("</ul>");
        }

        if (page.Store.Options.ReadOnly)
        {
            body.Raw("<p class=\"hint\">The monitor is read-only: sending is off.</p>");
            await page.WriteAsync("Apply", "apply", body, status).ConfigureAwait(false);
            return;
        }

        AntiforgeryTokenSet tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        body.Raw("<form method=\"post\" class=\"apply\" id=\"apply\"").Attr("action", page.Url("/apply/" + Uri.EscapeDataString(name))).Raw(">")
            .Raw("<input type=\"hidden\"").Attr("name", tokens.FormFieldName).Attr("value", tokens.RequestToken).Raw(">");
        if (signature is not null)
        {
            body.Raw("<p class=\"hint\">").Text($"Fields from the task's compiled signature; it returns {signature.ResultType ?? "nothing"}.").Raw("</p>");
            body.Raw(ArgumentForm.Render(signature));
        }
        else
        {
            body.Raw("<p class=\"hint\">This app was not compiled with the task, so its arguments are JSON, as Flower takes them.</p>")
                .Raw("<div class=\"field\"><label for=\"args\">args <span class=\"type\">JSON array</span></label><textarea id=\"args\" name=\"args\" rows=\"2\">")
                .Text(posted?.GetValueOrDefault("args") ?? "[]").Raw("</textarea></div>")
                .Raw("<div class=\"field\"><label for=\"kwargs\">kwargs <span class=\"type\">JSON object</span></label><textarea id=\"kwargs\" name=\"kwargs\" rows=\"2\">")
                .Text(posted?.GetValueOrDefault("kwargs") ?? "{}").Raw("</textarea></div>");
        }

        body.Raw("<div class=\"field\"><label for=\"queue\">queue <span class=\"type\">empty for the task's own</span></label><input type=\"text\" id=\"queue\" name=\"queue\"")
            .Attr("value", posted?.GetValueOrDefault("queue") ?? string.Empty).Raw("></div>")
            .Raw("<button type=\"submit\" id=\"send\">Send</button></form>");
        await page.WriteAsync("Apply", "apply", body, status).ConfigureAwait(false);
    }

    /// <summary>Reads the JSON fields of a task the app does not know: args must be an array, kwargs an object.</summary>
    private static IReadOnlyList<string> RawJson(IReadOnlyDictionary<string, string?> fields, out string args, out string kwargs)
    {
        var problems = new List<string>();
        args = Check(fields.GetValueOrDefault("args"), "[]", JsonValueKind.Array, "args", problems);
        kwargs = Check(fields.GetValueOrDefault("kwargs"), "{}", JsonValueKind.Object, "kwargs", problems);
        return problems;
    }

    private static string Check(string? text, string empty, JsonValueKind kind, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return empty;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == kind)
            {
                return document.RootElement.GetRawText();
            }

            problems.Add($"{name}: expected a JSON {(kind == JsonValueKind.Array ? "array" : "object")}.");
        }
        catch (JsonException)
        {
            problems.Add($"{name}: not valid JSON.");
        }

        return empty;
    }

    private static IEnumerable<string> RegisteredNames(MonitorStore store)
    {
        foreach (WorkerRecord worker in store.Workers())
        {
            if (worker.Inspect.TryGetValue("registered", out JsonElement registered) && registered.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in registered.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } text)
                    {
                        yield return text.Split(' ')[0];
                    }
                }
            }
        }
    }
}
