using System;
using System.Collections.Generic;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>Chooses a schedule's election and state store from what the app runs on.</summary>
internal static class BeatStores
{
    /// <summary>Creates the election and the state store for <paramref name="app"/>.</summary>
    /// <exception cref="TaskAppConfigurationException"><see cref="SchedulerOptions.Election"/> names an election the app cannot hold.</exception>
    public static (IBeatElection Election, IBeatState State) Create(TaskApp app, SchedulerOptions options)
    {
        if (app.Transport is InMemoryTransport memory)
        {
            return InMemoryBeat.For(memory.Broker, options.Name);
        }

        throw new NotImplementedException("BeatStores: RabbitMQ election and state, and Redis election.");
    }

    /// <summary>The node name a scheduler takes part in the election with: <c>beat@host</c>, plus the process id so that two on one host differ.</summary>
    public static string NodeName() => $"beat.{Environment.ProcessId}@{Environment.MachineName}";
}
