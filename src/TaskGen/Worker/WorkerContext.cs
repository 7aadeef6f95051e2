using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// What the worker's parts share: its name and settings, the concurrency slots, the revoked set, the
/// shutdown signals, the result store and the event sender. The parts talk through this, not to each other.
/// </summary>
internal sealed partial class WorkerContext : IDisposable
{
    private readonly IResultStore _results;
    private readonly ILogger _logger;

    public WorkerContext(string nodeName, int concurrency, bool acksLate, IResultStore results, ILogger logger)
    {
        NodeName = nodeName;
        AcksLate = acksLate;
        Slots = new SemaphoreSlim(concurrency, concurrency);
        _results = results;
        _logger = logger;
    }

    public string NodeName { get; }

    /// <summary>Whether the worker's result backend stores states by task id, so tasks without a <c>reply_to</c> are answered too.</summary>
    public bool ResultsById => _results.StoresById;

    /// <summary>Where the state of a task goes: its <c>reply_to</c>, or nowhere unless the backend stores by id.</summary>
    public string? ResultAddress(string? replyTo) => replyTo is { Length: > 0 } ? replyTo : ResultsById ? string.Empty : null;

    public bool AcksLate { get; }

    public SemaphoreSlim Slots { get; }

    public RevokedSet Revoked { get; } = new(50_000, TimeSpan.FromHours(3));

    public CancellationTokenSource StoppingSource { get; } = new();

    public CancellationTokenSource AbortSource { get; } = new();

    /// <summary>Cancelled when the worker stops taking work: what waits for a slot or an ETA goes back to the queue.</summary>
    public CancellationToken Stopping => StoppingSource.Token;

    /// <summary>Cancelled when the shutdown grace is over: running tasks are asked to stop.</summary>
    public CancellationToken Abort => AbortSource.Token;

    public ITaskObserver? Observer { get; set; }

    /// <summary>The container each task's service scope is created from; null when the app was built outside a host.</summary>
    public IServiceProvider? Services { get; set; }

    public FollowUps FollowUps { get; set; } = null!;

    /// <summary>The consumed queues whose delayed tasks wait in the broker (quorum queues): retries go there through the delay levels.</summary>
    public IReadOnlySet<string> DelayedQueues { get; set; } = new HashSet<string>();

    /// <summary>The one road task messages take out: retries, holds handed back and dead letters go through it as copies.</summary>
    public TaskPublisher Publisher { get; init; } = null!;

    /// <summary>Celery's <c>task_acks_on_failure_or_timeout</c>: false dead-letters a failed task's message instead of acknowledging it.</summary>
    public bool AcksOnFailureOrTimeout { get; init; } = true;

    /// <summary>Celery's <c>task_reject_on_worker_lost</c>: true requeues a task cut off by shutdown instead of failing it.</summary>
    public bool RejectOnWorkerLost { get; init; }

    /// <summary>How long a task's outcome that the backend could not store is tried again before its message is dead-lettered.</summary>
    public TimeSpan ResultStoreRetryTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The dead-letter exchange and queue (<see cref="TaskAppOptions.DeadLetterQueue"/>); empty when none is declared.</summary>
    public string DeadLetterQueue { get; init; } = string.Empty;

    /// <summary>
    /// Tells the caller of a state that is not the task's last (RETRY), as far as that goes: the run that follows
    /// answers in the end, so a state that cannot be sent is only logged and never turned into a failure.
    /// </summary>
    public async ValueTask NotifyAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback)
    {
        try
        {
            await _results.StoreAsync(taskId, replyTo, state, resultJson, traceback, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));
        }
    }

    /// <summary>
    /// Stores a state for the caller and says whether the caller can now read an answer (or nobody waits any
    /// more). A result that cannot be stored is replaced by a small failure naming why, so the caller does
    /// not hang; false means not even that went through. A reply to a broadcast is kept as this worker's own.
    /// </summary>
    public async ValueTask<bool> AnswerAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, bool broadcast = false)
    {
        string? broadcastNode = broadcast ? NodeName : null;
        try
        {
            await _results.StoreAsync(taskId, replyTo, state, resultJson, traceback, broadcastNode, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (MessageNotRoutedException)
        {
            LogNobodyWaits(_logger, LogText.Escape(taskId), LogText.Escape(replyTo));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));

            // Only a result refused for itself is replaced: a backend that is away (Redis failing over, a connection
            // lost) may take the small failure a moment later and would then tell the caller a stored-able result failed.
            if (state is TaskState.Failure || ex is not BrokerException { MessageRefused: true })
            {
                return false;
            }
        }

        try
        {
            var remote = new RemoteException("ResultNotSent", $"The {state.ToString().ToUpperInvariant()} result of task {taskId} could not be sent to the result backend.", "TaskGen.Results");
            await _results.StoreAsync(taskId, replyTo, TaskState.Failure, ResultCodec.EncodeException(remote), null, broadcastNode, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (MessageNotRoutedException)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));
            return false;
        }
    }

    // A backend that stores by id ignores reply_to, so naming it in a log line would point at the wrong place.
    private string Destination(string replyTo) => ResultsById ? "the result backend" : LogText.Escape(replyTo);

    public void Dispose()
    {
        StoppingSource.Dispose();
        AbortSource.Dispose();
        Slots.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result of task {TaskId} could not be sent to {ReplyTo}: {Reason}")]
    private static partial void LogResultNotSent(ILogger logger, string taskId, string replyTo, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The result of task {TaskId} has no reader: reply queue {ReplyTo} is gone.")]
    private static partial void LogNobodyWaits(ILogger logger, string taskId, string replyTo);
}
