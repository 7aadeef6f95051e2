using System;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// The actions a person takes from the pages (revoke or terminate a task; shut a worker down, add or cancel a consumer,
/// rate-limit or time-limit a task type). Each is a form posting to Flower's API endpoint for it, with the antiforgery
/// token, so the security rules for actions apply once; the page script sends it in place and shows the answer.
/// </summary>
internal static class ActionForms
{
    /// <summary>Revoke and terminate for a task not finished yet; nothing when the monitor is read-only.</summary>
    public static void ForTask(Html body, PageContext page, TaskRecord task)
    {
        if (Token(page) is not { } token || task.Ready)
        {
            return;
        }

        string revoke = page.Url("/api/task/revoke/" + Uri.EscapeDataString(task.Id));
        body.Raw("<h2>Actions</h2><div class=\"actions\">");
        Form(body, revoke, token, "revoke", "Revoke", null);
        Form(body, revoke + "?terminate=true", token, "terminate", "Terminate (cancels the running task's token on a TaskGen worker)", null);
        body.Raw("<p class=\"answer\" id=\"action-answer\" aria-live=\"polite\"></p></div>");
    }

    /// <summary>Shut down, add or cancel a consumer, and set a task type's limits on one worker.</summary>
    public static void ForWorker(Html body, PageContext page, string worker)
    {
        if (Token(page) is not { } token)
        {
            return;
        }

        string name = Uri.EscapeDataString(worker);
        string field = "<input type=\"hidden\" name=\"workername\"" + Attribute(worker) + ">";
        body.Raw("<h2>Actions</h2><div class=\"actions\">");
        Form(body, page.Url("/api/worker/queue/add-consumer/" + name), token, "add-consumer", "Add consumer", "<input type=\"text\" name=\"queue\" placeholder=\"queue\" required>");
        Form(body, page.Url("/api/worker/queue/cancel-consumer/" + name), token, "cancel-consumer", "Cancel consumer", "<input type=\"text\" name=\"queue\" placeholder=\"queue\" required>");
        Form(body, page.Url("/api/task/rate-limit/"), token, "rate-limit", "Set rate limit", field + "<input type=\"text\" name=\"taskname\" placeholder=\"task name\" required data-path><input type=\"text\" name=\"ratelimit\" placeholder=\"10/m\" required>");
        Form(body, page.Url("/api/task/timeout/"), token, "timeout", "Set time limits", field + "<input type=\"text\" name=\"taskname\" placeholder=\"task name\" required data-path><input type=\"number\" step=\"any\" name=\"soft\" placeholder=\"soft s\"><input type=\"number\" step=\"any\" name=\"hard\" placeholder=\"hard s\">");
        Form(body, page.Url("/api/worker/shutdown/" + name), token, "shutdown", "Shut down", null);
        body.Raw("<p class=\"answer\" id=\"action-answer\" aria-live=\"polite\"></p></div>");
    }

    private static AntiforgeryTokenSet? Token(PageContext page) =>
        page.Store.Options.ReadOnly ? null : page.Http.RequestServices.GetService<IAntiforgery>()?.GetAndStoreTokens(page.Http);

    private static void Form(Html body, string action, AntiforgeryTokenSet token, string id, string label, string? fields)
    {
        body.Raw("<form method=\"post\" class=\"api-action\"").Attr("id", "action-" + id).Attr("action", action).Raw(">")
            .Raw("<input type=\"hidden\"").Attr("name", token.FormFieldName).Attr("value", token.RequestToken).Raw(">");
        if (fields is not null)
        {
            body.Raw(fields);
        }

        body.Raw("<button type=\"submit\">").Text(label).Raw("</button></form>");
    }

    private static string Attribute(string value) => " value=\"" + System.Net.WebUtility.HtmlEncode(value) + "\"";
}
