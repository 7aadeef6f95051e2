using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TaskGen.Monitor.Api;
using TaskGen.Monitor.Pages;
using TaskGen.Monitor.Security;

namespace TaskGen.Monitor;

/// <summary>Mounts the monitor's pages, Flower's REST API and metrics in an ASP.NET Core app, as Hangfire's dashboard is mounted.</summary>
public static class MonitorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the monitor under <paramref name="prefix"/>: the pages, Flower's API at Flower's paths below it
    /// (<c>/tasks/api/workers</c>), <c>/metrics</c> and <c>/healthcheck</c>; closed to all but loopback unless
    /// authentication or <see cref="MonitorOptions.AllowRemote"/> is configured.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="prefix">The path the monitor lives under, such as <c>/tasks</c>; <c>/</c> for a monitor of its own.</param>
    /// <returns>A builder for the whole monitor, so that <c>.RequireAuthorization(...)</c> applies to every page and call.</returns>
    public static IEndpointConventionBuilder MapTaskGenMonitor(this IEndpointRouteBuilder endpoints, string prefix = "/tasks")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (endpoints.ServiceProvider.GetService(typeof(State.MonitorStore)) is null)
        {
            throw new InvalidOperationException("MapTaskGenMonitor needs the monitor's services: call builder.Services.AddTaskGenMonitor() (after AddTaskGen()) first.");
        }

        RouteGroupBuilder group = endpoints.MapGroup(prefix.TrimEnd('/'));
        MonitorSecurity.Apply(group);
        MonitorApi.Map(group);
        MonitorPages.Map(group);
        return group;
    }
}
