using Microsoft.AspNetCore.Routing;

namespace TaskGen.Monitor.Security;

/// <summary>Who may read the monitor and who may act through it: loopback by default, basic authentication, policies, read-only.</summary>
internal static class MonitorSecurity
{
    /// <summary>Puts the monitor's access rules on every endpoint of its group.</summary>
    public static void Apply(RouteGroupBuilder group)
    {
    }
}
