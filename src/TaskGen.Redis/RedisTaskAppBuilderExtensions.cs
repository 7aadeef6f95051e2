using System;
using TaskGen.Redis;
using TaskGen.Results;

// Beside TaskAppBuilder and the generated Add<Assembly>Tasks() extensions, so that TaskApp.Configure(b => b.AddRedisResults())
// needs no using of its own.
namespace TaskGen;

/// <summary>Adds the Redis result backend to a TaskGen app built in code or run by <c>TaskApp.RunAsync</c>.</summary>
public static class RedisTaskAppBuilderExtensions
{
    /// <summary>
    /// Lets <see cref="TaskAppOptions.ResultBackend"/> name Redis, as Celery writes it: <c>redis://</c>, <c>rediss://</c>
    /// (over TLS) or a <c>sentinel://</c> list; without this call such a backend is refused when the app is built. It
    /// also lets schedulers elect their sender through a lease in that Redis (<c>SchedulerOptions.Election = "redis"</c>).
    /// </summary>
    /// <param name="builder">The app's builder.</param>
    /// <returns>The builder, to chain calls.</returns>
    public static TaskAppBuilder AddRedisResults(this TaskAppBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (string scheme in ResultBackends.RedisSchemes)
        {
            builder.AddResultBackend(scheme, RedisResultBackendProvider.Instance);
        }

        builder.BeatElections["redis"] = RedisBeatElection.Create;

        return builder;
    }
}
