using System;

namespace TaskGen.Scheduling;

/// <summary>How one schedule entry's runs are sent and what happens to runs it missed.</summary>
public sealed class ScheduleEntryOptions
{
    /// <summary>The queue each run goes to instead of the task's own; it must be one the assembly declares.</summary>
    public string? Queue { get; set; }

    /// <summary>How long after its run time a run may still start; a worker discards it after that (Celery's <c>expires</c>).</summary>
    public TimeSpan? Expires { get; set; }

    /// <summary>The message priority, 0 to 255, on queues that have priorities.</summary>
    public byte? Priority { get; set; }

    /// <summary>What happens to run times that passed while no scheduler could send them.</summary>
    public MisfirePolicy Misfire { get; set; } = MisfirePolicy.RunOnce;

    /// <summary>
    /// How late a run may be sent and still count as on time rather than missed (Quartz's misfire threshold); a run
    /// later than this falls under <see cref="Misfire"/>. One minute by default; under one second counts as one second, since a run is never sent at the very instant it is due.
    /// </summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);
}
