using System;
using TaskGen.Scheduling;

namespace TaskGen;

/// <summary>
/// Runs a task that takes no arguments on a schedule, as if <c>AddSchedule</c> had an entry for it: give
/// <see cref="Cron"/> or <see cref="Every"/>. The analyzers check the expression and zone at build time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class PeriodicAttribute : Attribute
{
    /// <summary>A cron expression of five or six fields, for example <c>0 6 * * *</c>.</summary>
    public string? Cron { get; set; }

    /// <summary>An interval as configuration writes it, for example <c>30 s</c>, <c>5 m</c> or <c>1 h</c>.</summary>
    public string? Every { get; set; }

    /// <summary>The IANA time zone of <see cref="Cron"/>; UTC when unset.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The entry's name; the task's name when unset.</summary>
    public string? Name { get; set; }

    /// <summary>What happens to runs missed while no scheduler could send them.</summary>
    public MisfirePolicy Misfire { get; set; } = MisfirePolicy.RunOnce;
}
