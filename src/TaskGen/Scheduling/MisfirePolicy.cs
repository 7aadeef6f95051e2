namespace TaskGen.Scheduling;

/// <summary>
/// What a scheduler does with run times that passed while no scheduler could send them (all stopped, the broker
/// down, a leader change): Hangfire's three modes, chosen per entry.
/// </summary>
public enum MisfirePolicy
{
    /// <summary>Sends one run for all the missed times, as the latest of them; Celery beat's behaviour and the default.</summary>
    RunOnce,

    /// <summary>Sends every missed run, each with its own time and task id, oldest first.</summary>
    RunAll,

    /// <summary>Sends none of the missed runs and waits for the next time.</summary>
    Skip,
}
