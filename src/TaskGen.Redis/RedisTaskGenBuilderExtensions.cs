using System;
using TaskGen;

// In the DI namespace, beside TaskGenBuilder, so that services.AddTaskGen(...).AddRedisResults() needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Redis result backend to the TaskGen app of a service collection.</summary>
public static class RedisTaskGenBuilderExtensions
{
    /// <summary>
    /// Lets the app's <c>ResultBackend</c> name Redis (<c>redis://</c>, <c>rediss://</c>, <c>sentinel://</c>), for the
    /// app's client and every worker the host runs; the same as <see cref="RedisTaskAppBuilderExtensions.AddRedisResults"/>.
    /// </summary>
    /// <param name="builder">What <c>services.AddTaskGen(...)</c> returned.</param>
    /// <returns>The builder, to chain calls.</returns>
    public static TaskGenBuilder AddRedisResults(this TaskGenBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddTasks(static b => b.AddRedisResults());
    }
}
