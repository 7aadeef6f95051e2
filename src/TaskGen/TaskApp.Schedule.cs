using System;
using System.Collections.Generic;
using TaskGen.Scheduling;

namespace TaskGen;

public sealed partial class TaskApp
{
    /// <summary>The entries <c>AddSchedule</c> added.</summary>
    internal IReadOnlyList<ScheduleEntry> ScheduleEntries { get; init; } = [];

    /// <summary>The elections packages registered, by name.</summary>
    internal IReadOnlyDictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>> BeatElections { get; init; } = new Dictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>>();

    /// <summary>
    /// Creates a scheduler for the app's schedule entries; run it with <see cref="Beat.RunAsync"/>. Any number of
    /// processes may run one: they elect one sender among them.
    /// </summary>
    /// <param name="options">The election and state settings; null for the defaults.</param>
    /// <param name="timeProvider">The clock; null for the system's. Tests pass a fake one.</param>
    /// <exception cref="TaskAppConfigurationException">The election named in <paramref name="options"/> cannot be held on this app.</exception>
    public Beat CreateBeat(SchedulerOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new SchedulerOptions();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        (IBeatElection election, IBeatState state) = BeatStores.Create(this, options, time);
        return new Beat(this, ScheduleEntries, options, election, state, time, BeatStores.NodeName());
    }
}
