using System;

namespace TaskGen.Scheduling;

/// <summary>One periodic task: its unique name, the call it sends, when, and how.</summary>
public sealed class ScheduleEntry
{
    /// <summary>Creates an entry.</summary>
    /// <param name="name">The entry's name, unique in the app; each run's task id is derived from it and the run time.</param>
    /// <param name="signature">The call each run sends; its arguments are checked against the task like any call.</param>
    /// <param name="schedule">When the entry runs.</param>
    /// <param name="options">How runs are sent and missed runs handled; null for the defaults.</param>
    /// <exception cref="ArgumentException">The name is empty or longer than 200 characters.</exception>
    public ScheduleEntry(string name, Signature signature, Schedule schedule, ScheduleEntryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(schedule);
        if (name.Length > MaxNameLength)
        {
            throw new ArgumentException($"Schedule entry name '{name[..40]}...' is {name.Length} characters long; the most is {MaxNameLength}.", nameof(name));
        }

        Name = name;
        Signature = signature;
        Schedule = schedule;
        Options = options ?? new ScheduleEntryOptions();
    }

    /// <summary>The longest entry name: it becomes part of a broker queue name, which may have 255 bytes.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The entry's name, unique in the app.</summary>
    public string Name { get; }

    /// <summary>The call each run sends.</summary>
    public Signature Signature { get; }

    /// <summary>When the entry runs.</summary>
    public Schedule Schedule { get; }

    /// <summary>How runs are sent and missed runs handled.</summary>
    public ScheduleEntryOptions Options { get; }
}
