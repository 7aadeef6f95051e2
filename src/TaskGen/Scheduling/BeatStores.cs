using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>Chooses a schedule's election and state store from what the app runs on.</summary>
internal static class BeatStores
{
    /// <summary>Creates the election and the state store for <paramref name="app"/>.</summary>
    /// <param name="app">The app whose broker (and result backend) the scheduler uses.</param>
    /// <param name="options">The election's name and timing.</param>
    /// <param name="time">The scheduler's clock, which the election counts its lease by.</param>
    /// <exception cref="TaskAppConfigurationException"><see cref="SchedulerOptions.Election"/> names an election the app cannot hold.</exception>
    public static (IBeatElection Election, IBeatState State) Create(TaskApp app, SchedulerOptions options, TimeProvider time)
    {
        IBeatElection? election = PackageElection(app, options, time);
        if (app.Transport is InMemoryTransport memory)
        {
            (IBeatElection own, IBeatState state) = InMemoryBeat.For(memory.Broker, options.Name);
            return (election ?? own, state);
        }

        // Whatever holds the election, the last ticks stay in the broker: only there can the tick's own publish record them.
        election ??= new RabbitMqBeatElection(app.Transport, options, time, app.LoggerFactory.CreateLogger("TaskGen.Beat.Election"));
        return (election, new RabbitMqBeatState(app.Transport, options));
    }

    /// <summary>
    /// The election a package registered under <see cref="SchedulerOptions.Election"/> (<c>redis</c>), or null for the
    /// built-in ones; the state stays in the broker either way.
    /// </summary>
    /// <exception cref="TaskAppConfigurationException">The election is neither built in nor registered.</exception>
    private static IBeatElection? PackageElection(TaskApp app, SchedulerOptions options, TimeProvider time)
    {
        string name = options.Election ?? string.Empty;
        if (name.Equals("broker", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (app.BeatElections.TryGetValue(name, out Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>? create))
        {
            return create(app, options, time);
        }

        throw new TaskAppConfigurationException(name.Equals("redis", StringComparison.OrdinalIgnoreCase)
            ? "SchedulerOptions.Election is 'redis', which needs the TaskGen.Redis package: add it and call AddRedisResults() on the app's builder (services.AddTaskGen(...).AddRedisResults() in a host)."
            : $"SchedulerOptions.Election '{name}' is not known: use 'broker' (the default) or 'redis' (with the TaskGen.Redis package).");
    }

    /// <summary>The node name a scheduler takes part in the election with: <c>beat@host</c>, plus the process id so that two on one host differ.</summary>
    public static string NodeName() => $"beat.{Environment.ProcessId}@{Environment.MachineName}";
}
