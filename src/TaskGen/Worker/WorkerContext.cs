using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// What the worker's parts share: its name and settings, the concurrency slots, the revoked set, the
/// shutdown signals, the publisher, the answers to callers, the follow-ups and the event observer. The parts
/// talk through this, not to each other.
/// </summary>
/// <remarks>
/// Built whole by <see cref="TaskWorker"/>, every part given to the constructor; none of those parts holds the
/// context in turn, so nothing can reach a context that is still being assembled.
/// </remarks>
internal sealed class WorkerContext : IDisposable
{
    public WorkerContext(
        string nodeName,
        int concurrency,
        TaskAppOptions settings,
        TaskPublisher publisher,
        TaskAnswers answers,
        FollowUps followUps,
        IReadOnlySet<string> delayedQueues,
        ITaskObserver? observer,
        IServiceProvider? services,
        Results.ITickClaims? tickClaims = null)
    {
        NodeName = nodeName;
        Slots = new SemaphoreSlim(concurrency, concurrency);
        AcksLate = settings.TaskAcksLate;
        AcksOnFailureOrTimeout = settings.TaskAcksOnFailureOrTimeout;
        RejectOnWorkerLost = settings.TaskRejectOnWorkerLost;
        ResultStoreRetryTime = settings.WorkerResultStoreRetryTime;
        DeadLetterQueue = settings.DeadLetterQueue;
        Publisher = publisher;
        Answers = answers;
        FollowUps = followUps;
        DelayedQueues = new DelayedQueueSet(delayedQueues);
        Observer = observer;
        Services = services;
        TickClaims = tickClaims;
    }

    public string NodeName { get; }

    public bool AcksLate { get; }

    public SemaphoreSlim Slots { get; }

    public RevokedSet Revoked { get; } = new(50_000, TimeSpan.FromHours(3));

    /// <summary>
    /// The deliveries received and due but not started, each waiting for a slot or its task's rate limit, as
    /// <c>inspect reserved</c> lists them; the one placing a delivery here takes it out when its wait ends.
    /// </summary>
    public ConcurrentDictionary<Delivery, TaskRequest> Reserved { get; } = new(ReferenceEqualityComparer.Instance);

    public CancellationTokenSource StoppingSource { get; } = new();

    public CancellationTokenSource AbortSource { get; } = new();

    /// <summary>Cancelled when the worker stops taking work: what waits for a slot or an ETA goes back to the queue.</summary>
    public CancellationToken Stopping => StoppingSource.Token;

    /// <summary>Cancelled when the shutdown grace is over: running tasks are asked to stop.</summary>
    public CancellationToken Abort => AbortSource.Token;

    /// <summary>Hears every task's progress (the worker's events), or null when nothing is built on the worker.</summary>
    public ITaskObserver? Observer { get; }

    /// <summary>The container each task's service scope is created from; null when the app was built outside a host.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>Where schedule ticks are claimed before they run, when the worker's result backend can (a durable one); null otherwise.</summary>
    public Results.ITickClaims? TickClaims { get; }

    /// <summary>Tells callers how their tasks went, through the worker's result store.</summary>
    public TaskAnswers Answers { get; }

    /// <summary>Sends what a finished task's workflow asks for next.</summary>
    public FollowUps FollowUps { get; }

    /// <summary>The consumed queues whose delayed tasks wait in the broker (quorum queues): retries go there through the delay levels.</summary>
    public DelayedQueueSet DelayedQueues { get; }

    /// <summary>The time limits set by remote control's <c>time_limit</c>, for tasks whose message sets none.</summary>
    public TaskTimeLimits TimeLimitsByTask { get; } = new();

    /// <summary>The one road task messages take out: retries, holds handed back and dead letters go through it as copies.</summary>
    public TaskPublisher Publisher { get; }

    /// <summary>Celery's <c>task_acks_on_failure_or_timeout</c>: false dead-letters a failed task's message instead of acknowledging it.</summary>
    public bool AcksOnFailureOrTimeout { get; }

    /// <summary>Celery's <c>task_reject_on_worker_lost</c>: true requeues a task cut off by shutdown instead of failing it.</summary>
    public bool RejectOnWorkerLost { get; }

    /// <summary>How long a task's outcome that the backend could not store is tried again before its message is dead-lettered.</summary>
    public TimeSpan ResultStoreRetryTime { get; }

    /// <summary>The dead-letter exchange and queue (<see cref="TaskAppOptions.DeadLetterQueue"/>); empty when none is declared.</summary>
    public string DeadLetterQueue { get; }

    public void Dispose()
    {
        StoppingSource.Dispose();
        AbortSource.Dispose();
        Slots.Dispose();
    }
}
