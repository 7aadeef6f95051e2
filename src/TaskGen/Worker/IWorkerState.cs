using System;
using System.Collections.Generic;

namespace TaskGen.Worker;

/// <summary>
/// What remote control and events may see of a worker, read-only but for revoking: they are built on the
/// worker, never into it, so the worker does not know them.
/// </summary>
internal interface IWorkerState
{
    string NodeName { get; }

    IReadOnlyList<string> Queues { get; }

    int Concurrency { get; }

    int Prefetch { get; }

    IReadOnlyDictionary<string, long> Processed { get; }

    IReadOnlyCollection<TaskInvocation> Active { get; }

    IReadOnlyCollection<TaskWorker.ActiveTask> ActiveTasks { get; }

    DateTimeOffset StartedAt { get; }

    /// <summary>How many tasks were left running past their hard time limit.</summary>
    long Abandoned { get; }

    /// <summary>How many tasks wait for their ETA.</summary>
    int Scheduled { get; }

    /// <summary>The tasks held for an ETA still ahead (<c>inspect scheduled</c>).</summary>
    IReadOnlyCollection<TaskWorker.HeldTask> ScheduledTasks { get; }

    /// <summary>The tasks received and not yet started: due, and waiting for a slot or a rate limit (<c>inspect reserved</c>).</summary>
    IReadOnlyCollection<TaskWorker.HeldTask> ReservedTasks { get; }

    /// <summary>Marks tasks as revoked on this worker.</summary>
    void Revoke(IEnumerable<string> taskIds);
}
