using System;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// The live view's server-sent events: a <see cref="LiveSummary"/> at once, then after each change, at most two a
/// second however fast events arrive, and every 15 seconds regardless (heartbeat ages move with the clock alone).
/// </summary>
internal static class LiveStream
{
    /// <summary>The least time between two messages of one stream.</summary>
    public static readonly TimeSpan Throttle = TimeSpan.FromMilliseconds(500);

    /// <summary>The most time between two messages, which also keeps proxies from closing a quiet stream.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(15);

    private static readonly byte[] s_prefix = Encoding.UTF8.GetBytes("event: summary\ndata: ");
    private static readonly byte[] s_suffix = Encoding.UTF8.GetBytes("\n\n");
    private static readonly System.Text.Json.JsonSerializerOptions s_json = new(System.Text.Json.JsonSerializerDefaults.Web);
    private static readonly byte[] s_taskPrefix = Encoding.UTF8.GetBytes("event: task\ndata: ");

    public static async Task StreamAsync(HttpContext http)
    {
        MonitorStore store = http.RequestServices.GetRequiredService<MonitorStore>();
        HttpResponse response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        PageContext.SetSecurityHeaders(response);
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        try
        {
            // A task's page names its task, whose state it follows even once the task is no longer among the newest.
            string? watched = http.Request.Query["task"].ToString() is { Length: > 0 and <= 256 } id ? id : null;
            string? watchedState = null;
            LiveSummary? sent = null;
            bool quiet = false;
            while (!http.RequestAborted.IsCancellationRequested)
            {
                LiveSummary summary = LiveSummary.Build(store, fresh: quiet);
                quiet = false;

                // The same shared summary again means a newer one is not built yet: look again after the pause.
                if (!ReferenceEquals(summary, sent))
                {
                    await response.Body.WriteAsync(s_prefix, http.RequestAborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(summary.ToJson(), http.RequestAborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(s_suffix, http.RequestAborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                    sent = summary;
                }

                if (watched is not null && store.GetTask(watched) is { } task && task.State != watchedState)
                {
                    watchedState = task.State;
                    await response.Body.WriteAsync(s_taskPrefix, http.RequestAborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                        new TaskState(task.Id, task.State, Html.StateClass(task.State)), s_json), http.RequestAborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(s_suffix, http.RequestAborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                }

                await Task.Delay(Throttle, http.RequestAborted).ConfigureAwait(false);
                try
                {
                    await summary.Changed.WaitAsync(Quiet, http.RequestAborted).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    quiet = true;
                    // Nothing changed for a while: send anyway, so ages and online states follow the clock.
                }
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The page went away.
        }
    }
}

/// <summary>The state of the task a page follows, as the stream's <c>task</c> event carries it.</summary>
/// <param name="Id">The task id.</param>
/// <param name="State">Its state.</param>
/// <param name="StateClass">The state's CSS class.</param>
internal sealed record TaskState(string Id, string State, string StateClass);
