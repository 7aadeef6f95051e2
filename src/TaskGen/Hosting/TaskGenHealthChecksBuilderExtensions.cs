using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TaskGen;
using TaskGen.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds TaskGen's health check to a health-check registration.</summary>
public static class TaskGenHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that reports the broker connection of the registered <see cref="TaskApp"/> and whether every
    /// worker added with <see cref="TaskGenBuilder.AddWorker"/> or <c>AddTaskGenWorker</c> consumes, and whether the
    /// scheduler added with <see cref="TaskGenBuilder.AddScheduler"/> leads (healthy either way while its election answers).
    /// </summary>
    /// <param name="builder">The health-check builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name in reports.</param>
    /// <param name="failureStatus">What a failing check reports; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <param name="timeout">How long connecting may take before the check fails; the host's default when null.</param>
    /// <returns>The builder, to chain calls.</returns>
    public static IHealthChecksBuilder AddTaskGen(this IHealthChecksBuilder builder, string name = "taskgen", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new TaskGenHealthCheck(provider.GetRequiredService<TaskApp>(), provider.GetServices<IHostedService>()),
            failureStatus,
            tags,
            timeout));
    }
}
