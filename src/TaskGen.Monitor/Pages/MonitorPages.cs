using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TaskGen.Monitor.Security;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// The monitor's HTML pages, their assets and the live-update stream, at Flower's page paths (<c>/workers</c>,
/// <c>/worker/{name}</c>, <c>/tasks</c>, <c>/task/{id}</c>, <c>/broker</c>) plus <c>/queues</c> and <c>/dead-letters</c>,
/// none of them under Flower's <c>/api</c>, <c>/metrics</c> or <c>/healthcheck</c>.
/// </summary>
internal static class MonitorPages
{
    /// <summary>Maps the pages into the monitor's group.</summary>
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/", http => WorkerPages.WorkersAsync(http, "/"));
        group.MapGet("/workers", http => WorkerPages.WorkersAsync(http, "/workers"));
        group.MapGet("/worker/{name}", http => WorkerPages.WorkerAsync(http, "/worker/{name}", Route(http, "name")));
        group.MapGet("/tasks", http => TaskPages.ListAsync(http, "/tasks"));
        group.MapGet("/task/{id}", http => TaskPages.TaskAsync(http, "/task/{id}", Route(http, "id")));
        group.MapGet("/queues", http => QueuePages.QueuesAsync(http, "/queues"));
        group.MapGet("/dead-letters", http => QueuePages.DeadLettersAsync(http, "/dead-letters"));
        group.MapGet("/dead-letters/{id}", http => QueuePages.DeadLetterAsync(http, "/dead-letters/{id}", Route(http, "id")));
        group.MapPost("/dead-letters/{id}/replay", http => QueuePages.ReplayAsync(http, "/dead-letters/{id}/replay", Route(http, "id"))).WithMetadata(MonitorEndpoint.Action);
        group.MapGet("/apply", http => ApplyPages.ListAsync(http, "/apply"));
        group.MapGet("/apply/{name}", http => ApplyPages.FormAsync(http, "/apply/{name}", Route(http, "name")));
        group.MapPost("/apply/{name}", http => ApplyPages.SendAsync(http, "/apply/{name}", Route(http, "name"))).WithMetadata(MonitorEndpoint.Action);
        group.MapGet("/schedules", http => ApplyPages.SchedulesAsync(http, "/schedules"));
        group.MapGet("/broker", http => QueuePages.BrokerAsync(http, "/broker"));
        group.MapGet("/events/stream", LiveStream.StreamAsync);
        group.MapGet("/assets/{file}", http => PageAssets.ServeAsync(http, Route(http, "file")));
    }

    // Routing decodes a segment except for %2F, which it keeps so that a slash cannot split it; a worker or task
    // name may hold one, and it is data, so it is decoded here.
    private static string Route(HttpContext http, string name) =>
        (http.Request.RouteValues[name] as string ?? string.Empty).Replace("%2F", "/", System.StringComparison.OrdinalIgnoreCase);
}
