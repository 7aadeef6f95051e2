using Microsoft.AspNetCore.Routing;

namespace TaskGen.Monitor.Api;

/// <summary>Flower's REST API, <c>/metrics</c> and <c>/healthcheck</c> at Flower's paths and shapes.</summary>
internal static class MonitorApi
{
    /// <summary>Maps the API's endpoints into the monitor's group.</summary>
    public static void Map(RouteGroupBuilder group)
    {
    }
}
