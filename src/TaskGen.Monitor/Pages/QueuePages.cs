using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Cli;
using TaskGen.Monitor.State;
using TaskGen.Transport;

namespace TaskGen.Monitor.Pages;

/// <summary>The queues page, the dead letters (list, show, replay) and the broker page.</summary>
internal static class QueuePages
{
    /// <summary>How many dead letters the list shows.</summary>
    public const int DeadLetterLimit = 200;

    public static async Task QueuesAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        var body = new Html();
        body.Raw("<h1>Queues</h1>");
        IReadOnlyList<QueueLength> lengths;
        try
        {
            lengths = await http.RequestServices.GetRequiredService<QueueLengths>().ReadAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            body.Raw("<p class=\"notice\">").Text("The broker could not be asked for queue lengths: " + ex.Message).Raw("</p>");
            await page.WriteAsync("Queues", "queues", body, StatusCodes.Status503ServiceUnavailable).ConfigureAwait(false);
            return;
        }

        body.Raw("<table class=\"grid\" id=\"queues\"><thead><tr><th>Queue</th><th>Messages ready</th><th>Consumers</th></tr></thead><tbody>");
        foreach (QueueLength queue in lengths)
        {
            body.Raw("<tr").Attr("data-queue", queue.Name).Raw(">").Cell(queue.Name).Cell(queue.Messages.ToString("N0", CultureInfo.InvariantCulture), "num")
                .Cell(queue.Consumers.ToString(CultureInfo.InvariantCulture), "num").Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        if (lengths.Count == 0)
        {
            body.Raw("<p class=\"empty\">No queue known yet: the monitor learns them from the workers' <code>active_queues</code> replies and from its <code>Queues</code> option.</p>");
        }

        body.Raw("<p class=\"hint\">Read from the broker with a passive declare per queue; no management plugin is needed. Messages held unacknowledged by workers are not counted as ready.</p>");
        await page.WriteAsync("Queues", "queues", body).ConfigureAwait(false);
    }

    public static async Task DeadLettersAsync(HttpContext http, string suffix, string? message = null)
    {
        PageContext page = PageContext.For(http, suffix);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        var body = new Html();
        body.Raw("<h1>Dead letters <small>").Text(app.Options.DeadLetterQueue).Raw("</small></h1>");
        if (message is not null)
        {
            body.Raw("<p class=\"notice\" id=\"replay-result\">").Text(message).Raw("</p>");
        }

        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await Run(() => DeadLetterCommands.ListAsync(app, null, DeadLetterLimit, json: true, output, error, http.RequestAborted), error).ConfigureAwait(false);
        if (exit != 0)
        {
            body.Raw("<p class=\"empty\">").Text(error.ToString().Trim()).Raw("</p>");
            await page.WriteAsync("Dead letters", "dead-letters", body).ConfigureAwait(false);
            return;
        }

        using JsonDocument letters = JsonDocument.Parse(output.ToString());
        body.Raw("<table class=\"grid\" id=\"dead-letters\"><thead><tr><th>#</th><th>Task</th><th>Name</th><th>Retries</th><th>Died in</th><th>Reason</th><th>Count</th><th>Time (UTC)</th></tr></thead><tbody>");
        foreach (JsonElement letter in letters.RootElement.EnumerateArray())
        {
            string? id = Text(letter, "id");
            body.Raw("<tr>").Cell(Text(letter, "position"), "num").Raw("<td>");
            if (id is not null)
            {
                body.Link(page.Url("/dead-letters/" + Uri.EscapeDataString(id)), id);
            }

            body.Raw("</td>").Cell(Text(letter, "task")).Cell(Text(letter, "retries"), "num").Cell(Text(letter, "queue")).Cell(Text(letter, "reason"))
                .Cell(Text(letter, "count"), "num").Cell(Text(letter, "time")).Raw("</tr>");
        }

        body.Raw("</tbody></table>");
        if (letters.RootElement.GetArrayLength() == 0)
        {
            body.Raw("<p class=\"empty\">No dead letters.</p>");
        }

        body.Raw("<p class=\"hint\">").Text($"At most {DeadLetterLimit} are listed. Reading walks the queue once and puts every message back at its tail in order (as taskgen deadletters list does), so a quorum queue's delivery limit is never spent by looking.").Raw("</p>");
        await page.WriteAsync("Dead letters", "dead-letters", body).ConfigureAwait(false);
    }

    public static async Task DeadLetterAsync(HttpContext http, string suffix, string id)
    {
        PageContext page = PageContext.For(http, suffix);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exit = await Run(() => DeadLetterCommands.ShowAsync(app, null, id, output, error, http.RequestAborted), error).ConfigureAwait(false);
        var body = new Html();
        body.Raw("<h1>Dead letter <small>").Text(id).Raw("</small></h1>");
        if (exit != 0)
        {
            body.Raw("<p class=\"empty\">").Text(error.ToString().Trim()).Raw("</p>");
            await page.WriteAsync("Dead letter", "dead-letters", body, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }

        body.Raw("<pre id=\"dead-letter\">").Text(output.ToString()).Raw("</pre>");
        if (page.Store.Options.ReadOnly)
        {
            body.Raw("<p class=\"hint\">The monitor is read-only: replay is off.</p>");
        }
        else if (http.RequestServices.GetService<IAntiforgery>() is { } antiforgery)
        {
            AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(http);
            body.Raw("<form method=\"post\" class=\"action\"").Attr("action", page.Url("/dead-letters/" + Uri.EscapeDataString(id) + "/replay")).Raw(">")
                .Raw("<input type=\"hidden\"").Attr("name", tokens.FormFieldName).Attr("value", tokens.RequestToken).Raw(">")
                .Raw("<button type=\"submit\" id=\"replay\">Replay to the queue it died in</button></form>");
        }
        else
        {
            body.Raw("<p class=\"hint\">Replay needs antiforgery protection: add <code>services.AddAntiforgery()</code> to the app.</p>");
        }

        body.Raw("<p>").Link(page.Url("/dead-letters"), "All dead letters").Raw("</p>");
        await page.WriteAsync("Dead letter", "dead-letters", body).ConfigureAwait(false);
    }

    /// <summary>Replays one dead letter to the queue it died in, behind the antiforgery token and the read-only switch.</summary>
    public static async Task ReplayAsync(HttpContext http, string suffix, string id)
    {
        PageContext page = PageContext.For(http, suffix);
        if (page.Store.Options.ReadOnly)
        {
            await Refuse(page, StatusCodes.Status403Forbidden, "The monitor is read-only: replay is off.").ConfigureAwait(false);
            return;
        }

        if (http.RequestServices.GetService<IAntiforgery>() is not { } antiforgery || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            await Refuse(page, StatusCodes.Status400BadRequest, "The form's antiforgery token is missing or wrong: reload the page and try again.").ConfigureAwait(false);
            return;
        }

        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        await Run(() => DeadLetterCommands.ReplayAsync(app, null, id, all: false, to: null, output, error, http.RequestAborted), error).ConfigureAwait(false);
        await DeadLettersAsync(http, "/dead-letters/{id}/replay", (output.ToString() + error.ToString()).Trim()).ConfigureAwait(false);
    }

    public static Task BrokerAsync(HttpContext http, string suffix)
    {
        PageContext page = PageContext.For(http, suffix);
        TaskApp app = http.RequestServices.GetRequiredService<TaskApp>();
        MonitorStore store = page.Store;
        var body = new Html();
        body.Raw("<h1>Broker</h1><table class=\"fields\" id=\"broker\"><tbody>");
        Field(body, "Broker", app.Transport.Description);
        // BrokerUrls.Redact masks every URL of a ';' list (a sentinel failover names each node with its password).
        Field(body, "Result backend", string.IsNullOrEmpty(app.Options.ResultBackend) ? app.Options.ResultBackend : BrokerUrls.Redact(app.Options.ResultBackend));
        Field(body, "Dead-letter queue", app.Options.DeadLetterQueue);
        Field(body, "Events received", store.EventsReceived.ToString("N0", CultureInfo.InvariantCulture));
        foreach (KeyValuePair<string, long> dropped in store.Dropped)
        {
            Field(body, "Events dropped: " + dropped.Key, dropped.Value.ToString("N0", CultureInfo.InvariantCulture));
        }

        Field(body, "Fields truncated", store.FieldsTruncated.ToString("N0", CultureInfo.InvariantCulture));
        Field(body, "Tasks kept", $"{store.TaskCount:N0} of at most {store.Options.MaxTasks:N0}");
        Field(body, "Memory for tasks (estimated)", $"{store.TaskBytes / 1024.0 / 1024.0:0.0} MiB");
        Field(body, "Tasks evicted", store.TasksEvicted.ToString("N0", CultureInfo.InvariantCulture));
        Field(body, "Flood sampling", store.SamplingSince is { } since ? "since " + Html.Time(since) + " UTC" : "off");
        Field(body, "Read-only", store.Options.ReadOnly ? "yes" : "no");
        body.Raw("</tbody></table>");
        return page.WriteAsync("Broker", "broker", body);
    }

    private static async Task<int> Run(Func<Task<int>> command, StringWriter error)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private static Task Refuse(PageContext page, int status, string message)
    {
        var body = new Html();
        body.Raw("<h1>Not done</h1><p class=\"notice\">").Text(message).Raw("</p>");
        return page.WriteAsync("Not done", "dead-letters", body, status);
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out JsonElement value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        } : null;

    private static void Field(Html body, string name, string? value) => body.Raw("<tr><th>").Text(name).Raw("</th><td>").Text(value).Raw("</td></tr>");
}
