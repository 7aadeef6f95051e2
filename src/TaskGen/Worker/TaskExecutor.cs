using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Runs requests that hold a concurrency slot: checks revocation and expiry, applies the soft and hard time
/// limits, answers through the result store, sends follow-ups, and settles the message only once its answer
/// is safe. The slot is given back as soon as the task's own code is done (or abandoned at its hard limit),
/// so waiting for the broker's confirmations never holds up other tasks.
/// </summary>
internal sealed partial class TaskExecutor
{
    private readonly WorkerContext _worker;
    private readonly ILogger _logger;
    private readonly TaskRetries _retries;
    private readonly AnswerRetries _answers;
    private readonly ConcurrentDictionary<string, long> _processed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskWorker.ActiveTask> _active = new(StringComparer.Ordinal);
    private long _abandoned;

    public TaskExecutor(WorkerContext worker, ILogger logger)
    {
        _worker = worker;
        _logger = logger;
        _retries = new TaskRetries(worker, logger);
        _answers = new AnswerRetries(worker, logger);
        if (worker.RejectOnWorkerLost && !worker.AcksLate)
        {
            LogRejectOnWorkerLostIgnored(logger);
        }
    }

    public IReadOnlyDictionary<string, long> Processed => _processed;

    public ICollection<TaskWorker.ActiveTask> Active => _active.Values;

    /// <summary>How many tasks ran past their hard time limit and were left to finish on their own.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>Runs <paramref name="request"/>; the caller has taken a slot, which this gives back exactly once.</summary>
    /// <param name="delivery">The message.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="module">The module whose dispatch runs the task.</param>
    /// <param name="policy">When the task is retried.</param>
    /// <param name="readySince">When the task could have started (its delivery, or its ETA), for the queue-wait metric.</param>
    public async Task RunAsync(Delivery delivery, TaskRequest request, TaskModule module, TaskPolicy policy, DateTimeOffset readySince)
    {
        TaskGenTelemetry.LeftPrefetch(request.Name, delivery.Queue);
        using Activity? activity = TaskGenTelemetry.StartProcess(request, delivery.Queue);
        int slot = 1;
        void ReleaseSlot()
        {
            if (Interlocked.Exchange(ref slot, 0) == 1)
            {
                _worker.Slots.Release();
            }
        }

        bool answered = false;
        try
        {
            await Task.Yield();
            if (delivery.Lost.IsCancellationRequested)
            {
                // The channel went while the message waited for a slot: the broker hands it out again.
                LogDroppedLost(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
                return;
            }

            if (_worker.Stopping.IsCancellationRequested)
            {
                // Its slot came free after the worker began to stop, which waits only for what had started:
                // it goes back unstarted, for the next worker, rather than run on a channel about to close.
                LogNotStartedOnStop(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
                ReleaseSlot();
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            }

            if (_worker.Revoked.Contains(request.Id, Environment.TickCount64))
            {
                LogRevoked(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
                ReleaseSlot();
                TaskGenTelemetry.SetOutcome(activity, TaskState.Revoked, null);
                answered = await AnswerOrKeepAsync(delivery, request, TaskState.Revoked, ResultCodec.EncodeException(new RemoteException("TaskRevokedError", "revoked", "celery.exceptions"))).ConfigureAwait(false);
                await SettleAnsweredAsync(delivery, answered).ConfigureAwait(false);
                return;
            }

            if (request.Expires is { } expires && expires <= DateTimeOffset.UtcNow)
            {
                LogExpired(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name), expires);
                ReleaseSlot();
                TaskGenTelemetry.SetOutcome(activity, TaskState.Revoked, null);
                answered = await AnswerOrKeepAsync(delivery, request, TaskState.Revoked, ResultCodec.EncodeException(new RemoteException("TaskRevokedError", "expired", "celery.exceptions"))).ConfigureAwait(false);
                await SettleAnsweredAsync(delivery, answered).ConfigureAwait(false);
                return;
            }

            if (!_worker.AcksLate)
            {
                await delivery.AckAsync().ConfigureAwait(false);
            }

            TimeSpan? soft = TimeLimits.ToDelay(request.TimeLimit.Soft);
            TimeSpan? hard = TimeLimits.ToDelay(request.TimeLimit.Hard);

            // The token is cancelled at the first limit reached, so a cooperative task stops at the soft limit,
            // or at the hard one when that is all it has.
            TimeSpan? first = soft is { } s && (hard is null || s < hard) ? s : hard;
            using CancellationTokenSource? limit = first is not null ? CancellationTokenSource.CreateLinkedTokenSource(_worker.Abort) : null;
            limit?.CancelAfter(first!.Value);
            CancellationToken token = limit?.Token ?? _worker.Abort;
            var invocation = new TaskInvocation(request, _worker.NodeName, delivery.Queue, token) { Services = _worker.Services };
            _active[request.Id] = new TaskWorker.ActiveTask(invocation, delivery, DateTimeOffset.UtcNow);
            TaskGenTelemetry.Started(request.Name, delivery.Queue, readySince);
            long started = Stopwatch.GetTimestamp();
            RemoteException? failure = null;
            string? traceback = null;
            RetryPlan? retry = null;
            try
            {
                if (_worker.Observer is { } events)
                {
                    await events.TaskStartedAsync(request).ConfigureAwait(false);
                }

                if (hard is null)
                {
                    await invocation.DispatchAsync(module).ConfigureAwait(false);
                }
                else
                {
                    // Off this thread, so that even a task that blocks without looking at its token is left
                    // behind at the hard limit: .NET cannot kill it, but its slot and its message are freed.
                    Task run = Task.Run(() => invocation.DispatchAsync(module).AsTask());
                    try
                    {
                        await run.WaitAsync(hard.Value).ConfigureAwait(false);
                    }
                    catch (TimeoutException) when (!run.IsCompleted)
                    {
                        Interlocked.Increment(ref _abandoned);
                        _ = run.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        LogHardLimit(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name), hard.Value.TotalSeconds);
                        failure = new RemoteException("TimeLimitExceeded", $"Task exceeded its hard time limit of {hard.Value.TotalSeconds:0.###} s; it was abandoned.", "celery.exceptions");
                    }
                }
            }
            catch (TaskArgumentException ex)
            {
                LogBadArguments(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(ex.Message));
                ReleaseSlot();
                var remote = new RemoteException("TypeError", ex.Message, "builtins");
                TaskGenTelemetry.Finished(request.Name, delivery.Queue, succeeded: false, Stopwatch.GetElapsedTime(started));
                TaskGenTelemetry.SetOutcome(activity, TaskState.Failure, remote);
                answered = await FailAsync(request, remote, null).ConfigureAwait(false);
                await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_worker.Abort.IsCancellationRequested && _worker.RejectOnWorkerLost && _worker.AcksLate)
            {
                // Stopped by shutdown, not by the task's own logic, and told to requeue such a task: another
                // worker runs it again; no result, so the caller keeps waiting for that run.
                LogAbandoned(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_worker.Abort.IsCancellationRequested)
            {
                // Celery's default for a task its worker lost: acknowledged and failed, so it never runs twice.
                LogLostOnShutdown(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
                failure = new RemoteException("WorkerLostError", $"The worker {_worker.NodeName} stopped while the task ran: its shutdown grace ran out and the task gave up on its cancellation token.", "billiard.exceptions");
            }
            catch (Exception ex)
            {
                bool timedOut = ex is OperationCanceledException && limit?.IsCancellationRequested == true;
                RetryPlan plan = timedOut ? RetryPlan.Fail(ex) : _retries.Plan(request, policy, ex);
                if (plan.Retry)
                {
                    retry = plan;
                }
                else
                {
                    Exception reason = plan.Reason ?? ex;
                    LogTaskFailed(_logger, reason, LogText.Escape(request.Id), LogText.Escape(request.Name));
                    failure = timedOut
                        ? new RemoteException(soft is null ? "TimeLimitExceeded" : "SoftTimeLimitExceeded", $"Task exceeded its time limit of {first!.Value.TotalSeconds:0.###} s.", "celery.exceptions")
                        : new RemoteException(reason.GetType().Name, reason.Message, reason.GetType().Namespace);
                    traceback = reason.ToString();
                }
            }
            finally
            {
                _active.TryRemove(request.Id, out _);
                TaskGenTelemetry.Stopped(request.Name, delivery.Queue);
                ReleaseSlot();
            }

            Count(request.Name);

            // Counted before the caller is answered, so whoever has the result also sees it counted.
            TimeSpan runtime = Stopwatch.GetElapsedTime(started);
            if (retry is { } next)
            {
                await RetryAsync(delivery, request, next, runtime, activity).ConfigureAwait(false);
                return;
            }

            TaskGenTelemetry.Finished(request.Name, delivery.Queue, failure is null, runtime);
            TaskGenTelemetry.SetOutcome(activity, failure is null ? TaskState.Success : TaskState.Failure, failure);
            if (failure is not null)
            {
                answered = await FailAsync(request, failure, traceback).ConfigureAwait(false)
                    || await KeepAsync(delivery, request, TaskState.Failure, ResultCodec.EncodeException(failure), traceback).ConfigureAwait(false);
                await SettleFailedAsync(delivery, answered).ConfigureAwait(false);
                return;
            }

            LogSucceeded(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            answered = await AnswerOrKeepAsync(delivery, request, TaskState.Success, invocation.ResultJson).ConfigureAwait(false);
            if (answered)
            {
                await _worker.FollowUps.SendAsync(request, invocation.ResultJson).ConfigureAwait(false);
                if (_worker.Observer is { } events)
                {
                    await events.TaskSucceededAsync(request, invocation.ResultJson, runtime).ConfigureAwait(false);
                }
            }

            await SettleAnsweredAsync(delivery, answered).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever happens here must not take the worker down. Before the caller has an answer the
            // message goes back for another try; after, running it again would repeat its effects.
            LogWorkerError(_logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name));
            TaskGenTelemetry.SetError(activity, ex);
            try
            {
                if (answered)
                {
                    await delivery.AckAsync().ConfigureAwait(false);
                }
                else if (!_worker.AcksLate)
                {
                    // Acknowledged at the start, the message cannot come back: the caller hears a failure instead.
                    await FailAsync(request, new RemoteException(ex.GetType().Name, $"The worker {_worker.NodeName} failed while handling the task: {ex.Message}", ex.GetType().Namespace), ex.ToString()).ConfigureAwait(false);
                }
                else
                {
                    await delivery.RejectAsync(requeue: !delivery.Redelivered).ConfigureAwait(false);
                }
            }
            catch (Exception settleError)
            {
                LogWorkerError(_logger, settleError, LogText.Escape(request.Id), LogText.Escape(request.Name));
            }
        }
        finally
        {
            ReleaseSlot();
        }
    }

    /// <summary>
    /// Sends the retry, tells the caller the task is in RETRY and sends <c>task-retried</c>, then acknowledges the
    /// run's message: only once the retry is on the broker, so that this run's message is never the only copy lost.
    /// </summary>
    private async ValueTask RetryAsync(Delivery delivery, TaskRequest request, RetryPlan plan, TimeSpan runtime, Activity? activity)
    {
        bool unroutable = false;
        Exception? reason = plan.Reason;
        var remote = reason is null
            ? new RemoteException("Retry", $"Retry in {plan.Countdown.TotalSeconds:0.###}s", "celery.exceptions")
            : new RemoteException(reason.GetType().Name, reason.Message, reason.GetType().Namespace);
        if (!await _retries.SendAsync(delivery, request, plan.Countdown, gone => unroutable = gone).ConfigureAwait(false))
        {
            if (!unroutable && _worker.AcksLate)
            {
                // Most likely the broker connection went: the run's message comes back, and the retry with it.
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            }

            // The queue is gone, or the run's message was acknowledged at its start and cannot come back: no retry
            // can happen, so the task fails with why it wanted one rather than vanish.
            TaskGenTelemetry.Finished(request.Name, delivery.Queue, succeeded: false, runtime);
            TaskGenTelemetry.SetOutcome(activity, TaskState.Failure, remote);
            bool failed = await FailAsync(request, remote, reason?.ToString()).ConfigureAwait(false)
                || await KeepAsync(delivery, request, TaskState.Failure, ResultCodec.EncodeException(remote), reason?.ToString()).ConfigureAwait(false);
            await SettleFailedAsync(delivery, failed).ConfigureAwait(false);
            return;
        }

        TaskGenTelemetry.Retried(request.Name, delivery.Queue, runtime);
        TaskGenTelemetry.SetOutcome(activity, TaskState.Retry, null);
        string? traceback = reason?.ToString();
        if (_worker.ResultAddress(request.ReplyTo) is { } replyTo && !request.IgnoreResult)
        {
            await _worker.NotifyAsync(request.Id, replyTo, TaskState.Retry, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
        }

        if (_worker.Observer is { } events)
        {
            await events.TaskRetriedAsync(request, remote, traceback).ConfigureAwait(false);
        }

        await delivery.AckAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Settles the message of a task that failed: acknowledged, as Celery's <c>task_acks_on_failure_or_timeout</c> does
    /// by default, or (with it off and acks late) rejected without requeue, so a dead-letter policy keeps it for replay.
    /// </summary>
    private ValueTask SettleFailedAsync(Delivery delivery, bool answered) =>
        answered && _worker.AcksLate && !_worker.AcksOnFailureOrTimeout ? delivery.RejectAsync(requeue: false) : SettleAnsweredAsync(delivery, answered);

    /// <summary>
    /// Acknowledges a message whose caller has its answer. One whose answer could not be stored was settled by
    /// <see cref="AnswerRetries"/> already (dead-lettered with its outcome, or handed back), so it is left alone.
    /// </summary>
    private static ValueTask SettleAnsweredAsync(Delivery delivery, bool answered) =>
        answered ? delivery.AckAsync() : ValueTask.CompletedTask;

    /// <summary>
    /// Stores an outcome and, when the backend cannot take it, holds the message while storing is tried again:
    /// the task is not run again because of the store. True once the caller can read it.
    /// </summary>
    private async ValueTask<bool> AnswerOrKeepAsync(Delivery delivery, TaskRequest request, TaskState state, ReadOnlyMemory<byte> resultJson) =>
        await AnswerAsync(request, state, resultJson, null).ConfigureAwait(false)
        || await KeepAsync(delivery, request, state, resultJson, null).ConfigureAwait(false);

    private ValueTask<bool> KeepAsync(Delivery delivery, TaskRequest request, TaskState state, ReadOnlyMemory<byte> resultJson, string? traceback) =>
        _answers.KeepAsync(delivery, request, state, resultJson, traceback, () => AnswerAsync(request, state, resultJson, traceback));

    /// <summary>Sends a failure, and fails every remaining step of its chain as Celery does, so their waiters do not hang.</summary>
    public async ValueTask<bool> FailAsync(TaskRequest request, RemoteException remote, string? traceback)
    {
        bool answered = await AnswerAsync(request, TaskState.Failure, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
        await _worker.FollowUps.FailChainAsync(request.Id, request.Name, request.Embed, remote, traceback).ConfigureAwait(false);
        if (_worker.Observer is { } events)
        {
            await events.TaskFailedAsync(request, remote, traceback).ConfigureAwait(false);
        }

        return answered;
    }

    /// <summary>
    /// Stores a state for the caller and says whether the caller can now read an answer (or nobody waits).
    /// A result that cannot be stored is replaced by a small failure naming why, so the caller never hangs.
    /// </summary>
    public async ValueTask<bool> AnswerAsync(TaskRequest request, TaskState state, ReadOnlyMemory<byte> resultJson, string? traceback)
    {
        if (_worker.ResultAddress(request.ReplyTo) is not { } replyTo || request.IgnoreResult)
        {
            return true;
        }

        return await _worker.AnswerAsync(request.Id, replyTo, state, resultJson, traceback, request.FromBroadcast).ConfigureAwait(false);
    }

    private void Count(string name) => _processed.AddOrUpdate(name, 1, static (_, n) => n + 1);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TaskRejectOnWorkerLost has no effect without TaskAcksLate: a task is acknowledged when it starts, so one cut off by shutdown fails with WorkerLostError. Set TaskAcksLate to true to have it run again.")]
    private static partial void LogRejectOnWorkerLostIgnored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was cancelled by shutdown; its message goes back to the queue.")]
    private static partial void LogAbandoned(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}) was cut off by shutdown; it fails with WorkerLostError and is not run again (TaskRejectOnWorkerLost is off, or TaskAcksLate is).")]
    private static partial void LogLostOnShutdown(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was not started: the channel that delivered it is gone, and the broker delivers it again.")]
    private static partial void LogDroppedLost(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} ({TaskName}) was not started: the worker is stopping, and its message goes back to the queue.")]
    private static partial void LogNotStartedOnStop(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}) exceeded its hard time limit of {Seconds} s: reported as TimeLimitExceeded, its slot freed, its code left to finish on its own.")]
    private static partial void LogHardLimit(ILogger logger, string taskId, string taskName, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was revoked; not run, reported as REVOKED.")]
    private static partial void LogRevoked(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId} ({TaskName}): {Reason}")]
    private static partial void LogBadArguments(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) expired at {Expires:o}; not run, reported as REVOKED.")]
    private static partial void LogExpired(ILogger logger, string taskId, string taskName, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) raised an exception.")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId} ({TaskName}) succeeded.")]
    private static partial void LogSucceeded(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker failed while handling task {TaskId} ({TaskName}); its message goes back to the queue once, or, acknowledged at its start, the task fails.")]
    private static partial void LogWorkerError(ILogger logger, Exception exception, string taskId, string taskName);
}
