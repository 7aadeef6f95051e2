using System;
using System.Collections.Generic;

namespace TaskGen.Scheduling;

/// <summary>Collects an app's schedule entries; <c>TaskAppBuilder.AddSchedule</c> and <c>AddScheduler</c> hand one out.</summary>
public sealed class ScheduleBuilder
{
    private readonly List<ScheduleEntry> _entries = [];

    /// <summary>The entries added so far, in order.</summary>
    public IReadOnlyList<ScheduleEntry> Entries => _entries;

    /// <summary>Adds an entry.</summary>
    /// <param name="name">The entry's name, unique in the app.</param>
    /// <param name="signature">The call each run sends, made with the task's generated <c>Signature(...)</c>.</param>
    /// <param name="schedule">When it runs: <see cref="Schedule.Cron"/> or <see cref="Schedule.Every"/>.</param>
    /// <param name="options">How runs are sent and missed runs handled; null for the defaults.</param>
    /// <exception cref="ArgumentException">An entry of that name exists already.</exception>
    public ScheduleBuilder Add(string name, Signature signature, Schedule schedule, ScheduleEntryOptions? options = null) =>
        Add(new ScheduleEntry(name, signature, schedule, options));

    /// <summary>Adds an entry made beforehand.</summary>
    /// <param name="entry">The entry.</param>
    /// <exception cref="ArgumentException">An entry of that name exists already.</exception>
    public ScheduleBuilder Add(ScheduleEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_entries.Exists(e => string.Equals(e.Name, entry.Name, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"Schedule entry '{entry.Name}' is added twice; entry names must be unique, since each run's task id is derived from the name.", nameof(entry));
        }

        _entries.Add(entry);
        return this;
    }
}
