using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace TaskGen.Tests.Hosting;

/// <summary>Host builders for tests: no default configuration sources, and a private <c>memory://</c> broker each.</summary>
internal static class MemoryHost
{
    /// <summary>
    /// Creates a host builder whose configuration holds <paramref name="settings"/>, with <c>TaskGen:BrokerUrl</c> a
    /// fresh <c>memory://</c> broker unless they name one, so that no two tests' hosts share a queue.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(Dictionary<string, string?>? settings = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        settings = settings is null ? [] : new(settings, StringComparer.OrdinalIgnoreCase);
        settings.TryAdd("TaskGen:BrokerUrl", "memory://" + Guid.NewGuid().ToString("N"));
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
