namespace TaskGen.Generators.Model;

/// <summary>One <c>[Periodic]</c> entry of a task, as the generated module registers it.</summary>
/// <remarks>Holds strings and numbers only, never symbols, so that specs cache across edits.</remarks>
/// <param name="Name">The entry's name: the attribute's <c>Name</c>, or the task's name.</param>
/// <param name="Cron">The cron expression as written, or null for an interval.</param>
/// <param name="IntervalTicks">The interval in ticks, or null for a cron expression.</param>
/// <param name="TimeZone">The IANA time zone of the cron expression, or null for UTC.</param>
/// <param name="Misfire">The <c>MisfirePolicy</c> value as a number.</param>
internal sealed record PeriodicSpec(string Name, string? Cron, long? IntervalTicks, string? TimeZone, int Misfire);
