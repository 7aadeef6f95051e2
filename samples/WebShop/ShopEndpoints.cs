using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using TaskGen;
using WebShop.Contracts.Remote;

namespace WebShop;

/// <summary>The shop's endpoints: the contact form, the post that queues its email, and the email's task state.</summary>
public static partial class ShopEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    /// <summary>Maps <c>GET /</c>, <c>POST /contact</c> and <c>GET /tasks/{id}</c>.</summary>
    /// <param name="endpoints">The app's endpoint builder.</param>
    /// <returns>The same builder, to chain calls.</returns>
    public static IEndpointRouteBuilder MapShop(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext http, IAntiforgery antiforgery) =>
            Results.Content(Pages.ContactForm(antiforgery.GetAndStoreTokens(http)), Html));
        endpoints.MapPost("/contact", PostContactAsync);
        endpoints.MapGet("/tasks/{id}", GetTaskAsync);
        return endpoints;
    }

    private static async Task<IResult> PostContactAsync(
        HttpContext http,
        [FromForm] string? to,
        [FromForm] string? subject,
        [FromForm] string? message,
        SentTasks sent,
        IAntiforgery antiforgery,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var form = new ContactForm(to, subject, message);
        Dictionary<string, string[]> errors = form.Validate();
        if (errors.Count > 0)
        {
            return WantsJson(http.Request)
                ? Results.ValidationProblem(errors, title: "The contact form is incomplete or invalid.")
                : Results.Content(Pages.ContactForm(antiforgery.GetAndStoreTokens(http), form, errors), Html, statusCode: StatusCodes.Status400BadRequest);
        }

        AsyncResult<string> result;
        try
        {
            // ApplyAsync rather than Delay: it completes once the broker holds the message, so the visitor is told
            // their message is queued only when it is.
            result = await Mail.SendEmail.ApplyAsync(form.To!.Trim(), form.Subject!, form.Message!, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSendFailed(loggers.CreateLogger("WebShop"), ex);
            const string Unavailable = "The mail queue cannot be reached right now; please try again in a minute.";
            return WantsJson(http.Request)
                ? Results.Problem(Unavailable, statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Content(Pages.Notice("Not sent", Unavailable), Html, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        sent.Add(result);
        string status = "/tasks/" + Uri.EscapeDataString(result.Id);
        if (WantsJson(http.Request))
        {
            return Results.Accepted(status, new { id = result.Id, status });
        }

        // 303 See Other: the browser follows with a GET, so reloading the task page never posts the form again.
        http.Response.Headers.Location = status;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static async Task<IResult> GetTaskAsync(HttpContext http, string id, SentTasks sent)
    {
        if (!sent.TryGet(id, out AsyncResult<string>? result))
        {
            // rpc:// results go only to the process that sent the task, and this one keeps a bounded number.
            string unknown = $"Task '{id}' was not sent by this web app, or was sent before it restarted, or so long ago that it is no longer tracked.";
            return WantsJson(http.Request)
                ? Results.Problem(unknown, statusCode: StatusCodes.Status404NotFound)
                : Results.Content(Pages.Notice("Unknown task", unknown), Html, statusCode: StatusCodes.Status404NotFound);
        }

        TaskView view = await ViewOfAsync(result);
        return WantsJson(http.Request) ? Results.Json(view) : Results.Content(Pages.TaskState(view), Html);
    }

    private static async Task<TaskView> ViewOfAsync(AsyncResult<string> result)
    {
        TaskState state = result.Status;
        if (!TaskStates.IsReady(state))
        {
            return new TaskView(result.Id, TaskStates.ToCelery(state));
        }

        // The result has arrived, so reading it returns at once; the timeout only has to be positive.
        try
        {
            string messageId = await result.GetAsync(TimeSpan.FromSeconds(1));
            return new TaskView(result.Id, TaskStates.ToCelery(state), Result: messageId);
        }
        catch (TaskFailedException failed)
        {
            return new TaskView(result.Id, TaskStates.ToCelery(state), Error: $"{failed.RemoteType}: {failed.RemoteMessage}");
        }
        catch (TaskRevokedException)
        {
            return new TaskView(result.Id, TaskStates.ToCelery(state), Error: "The task was revoked or expired before it ran.");
        }
    }

    private static bool WantsJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not queue a contact email.")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);
}
