using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Worker;

/// <summary>
/// What remote control and events may see of a worker, and the few things remote control may change on it (revoking,
/// limits, consumers, shutdown): they are built on the worker, never into it, so the worker does not know them.
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

    /// <summary>The task ids the worker holds as revoked now (<c>inspect revoked</c>).</summary>
    IReadOnlyList<string> RevokedIds => [];

    /// <summary>Revokes tasks and cancels the tokens of those running (<c>revoke</c> with <c>terminate</c>); returns the ids that were running.</summary>
    IReadOnlyList<string> Terminate(IReadOnlyCollection<string> taskIds);

    /// <summary>Starts consuming a declared queue (<c>add_consumer</c>); false when it is consumed already.</summary>
    Task<bool> AddConsumerAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Stops consuming a queue, settling what it delivered (<c>cancel_consumer</c>); false when it was not consumed.</summary>
    Task<bool> CancelConsumerAsync(string queue);

    /// <summary>Sets a task type's rate limit on this worker (<c>rate_limit</c>); null removes it.</summary>
    void SetRateLimit(string taskName, string? rate);

    /// <summary>Sets a task type's time limits in seconds for messages that set none (<c>time_limit</c>).</summary>
    void SetTimeLimits(string taskName, double? hard, double? soft);

    /// <summary>Begins a warm shutdown (<c>shutdown</c>).</summary>
    void RequestShutdown();
}
