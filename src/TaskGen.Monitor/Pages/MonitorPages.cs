using Microsoft.AspNetCore.Routing;

namespace TaskGen.Monitor.Pages;

/// <summary>The monitor's HTML pages, their assets and the live-update stream.</summary>
internal static class MonitorPages
{
    /// <summary>Maps the pages into the monitor's group.</summary>
    public static void Map(RouteGroupBuilder group)
    {
    }
}
