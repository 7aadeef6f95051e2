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
/// Runs requests that hold a concurrency slot as ordered steps: the gate (lost, stopping, revoked, expired), the
/// tick claim (<see cref="TickGate"/>), the early ack, the timed dispatch through the worker's filters (<see cref="TimedDispatch"/>), the outcome (answer,
/// retry or failure, follow-ups) and the settling of the message, only once its answer is safe. The slot is given
/// back as soon as the task's own code is done (or abandoned at its hard limit), so waiting for the broker's
/// confirmations never holds up other tasks.
/// </summary>
internal sealed partial class TaskExecutor
{
    private readonly WorkerContext _worker;
    private readonly ILogger _logger;
    private readonly TaskRetries _retries;
    private readonly AnswerRetries _answers;
    private readonly TimedDispatch _dispatch;
    private readonly TickGate _ticks;
    private readonly ConcurrentDictionary<string, long> _processed = new(StringComparer.Ordinal);

    public TaskExecutor(WorkerContext worker, IReadOnlyList<ITaskFilter> filters, ILogger logger)
    {
        _worker = worker;
        _logger = logger;
        _retries = new TaskRetries(worker, logger);
        _answers = new AnswerRetries(worker, logger);
        _dispatch = new TimedDispatch(worker, _retries, filters, logger);
        _ticks = new TickGate(worker.TickClaims, logger);
        if (worker.RejectOnWorkerLost && !worker.AcksLate)
        {
            LogRejectOnWorkerLostIgnored(logger);
        }
    }

    public IReadOnlyDictionary<string, long> Processed => _processed;

    public ICollection<TaskWorker.ActiveTask> Active => _dispatch.Active;

    /// <summary>How many tasks ran past their hard time limit and were left to finish on their own.</summary>
    public long Abandoned => _dispatch.Abandoned;

    /// <summary>Runs <paramref name="request"/>; the caller has taken a slot, which this gives back exactly once.</summary>
    /// <param name="delivery">The message.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="definition">The task's definition, whose <see cref="TaskDefinition.Run"/> runs it and whose policy says when it is retried.</param>
    /// <param name="readySince">When the task could have started (its delivery, or its ETA), for the queue-wait metric.</param>
    public async Task RunAsync(Delivery delivery, TaskRequest request, TaskDefinition definition, DateTimeOffset readySince)
    {
        using var run = new TaskRunContext(delivery, request, definition, _worker);
        try
        {
            await Task.Yield();
            GateVerdict verdict = RunGate.Check(run, _worker);
            if (verdict != GateVerdict.Open)
            {
                await ShutOutAsync(run, verdict).ConfigureAwait(false);
                return;
            }

            if (!await _ticks.AdmitAsync(run).ConfigureAwait(false))
            {
                // A tick that ran before: its first run answered the caller, so this copy is only settled.
                run.ReleaseSlot();
                await delivery.AckAsync().ConfigureAwait(false);
                return;
            }

            if (!_worker.AcksLate)
            {
                await delivery.AckAsync().ConfigureAwait(false);
            }

            RunOutcome outcome = await _dispatch.RunAsync(run, readySince).ConfigureAwait(false);
            if (outcome.Counted)
            {
                // Counted before the caller is answered, so whoever has the result also sees it counted.
                _processed.AddOrUpdate(request.Name, 1, static (_, n) => n + 1);
            }

            if (outcome.End != RunEnd.Succeeded)
            {
                await EndAsync(run, outcome).ConfigureAwait(false);
                return;
            }

            // The outcome step of a success, in place: it waits for the broker's confirm of the result, and as a
            // method of its own its state would be boxed on every task.
            run.Finished(null, outcome.Runtime);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                LogSucceeded(_logger, LogText.Escape(request.Name), LogText.Escape(request.Id), outcome.Runtime.TotalSeconds, LogText.Result(outcome.Result.Value.Span));
            }

            run.Answered = await AnswerOrKeepAsync(run, TaskState.Success, outcome.Result).ConfigureAwait(false);
            if (run.Answered)
            {
                await _worker.FollowUps.SendAsync(request, outcome.Result.Value).ConfigureAwait(false);
                await run.SucceededAsync(outcome.Result.Value, outcome.Runtime).ConfigureAwait(false);
            }

            await SettleAnsweredAsync(run).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever happens here must not take the worker down. Before the caller has an answer the
            // message goes back for another try; after, running it again would repeat its effects.
            LogWorkerError(_logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name));
            run.Error(ex);
            try
            {
                if (run.Answered)
                {
                    await delivery.AckAsync().ConfigureAwait(false);
                }
                else if (!_worker.AcksLate)
                {
                    // Acknowledged at the start, the message cannot come back: the caller hears a failure instead.
                    await FailAsync(run, new RemoteException(ex.GetType().Name, $"The worker {_worker.NodeName} failed while handling the task: {ex.Message}", ex.GetType().Namespace), ex.ToString()).ConfigureAwait(false);
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
            run.ReleaseSlot();
        }
    }

    /// <summary>The gate's step for a delivery that may not start: dropped, handed back, or answered REVOKED.</summary>
    private async ValueTask ShutOutAsync(TaskRunContext run, GateVerdict verdict)
    {
        string id = LogText.Escape(run.Request.Id);
        string name = LogText.Escape(run.Request.Name);
        switch (verdict)
        {
            case GateVerdict.Lost:
                // The channel went while the message waited for a slot: the broker hands it out again.
                LogDroppedLost(_logger, id, name);
                return;
            case GateVerdict.Stopping:
                // Its slot came free after the worker began to stop, which waits only for what had started:
                // it goes back unstarted, for the next worker, rather than run on a channel about to close.
                LogNotStartedOnStop(_logger, id, name);
                run.ReleaseSlot();
                await run.Delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            case GateVerdict.Revoked:
                LogRevoked(_logger, id, name);
                break;
            default:
                LogExpired(_logger, id, name, run.Request.Expires.GetValueOrDefault());
                break;
        }

        run.ReleaseSlot();
        await RevokedAsync(run, verdict == GateVerdict.Revoked ? "revoked" : "expired").ConfigureAwait(false);
    }

    /// <summary>Answers REVOKED with Celery's <c>TaskRevokedError</c> and its reason, tells the workflow, and settles the message.</summary>
    private async ValueTask RevokedAsync(TaskRunContext run, string reason)
    {
        run.Revoked();
        await run.RevokedAsync(terminated: reason == "terminated", expired: reason == "expired").ConfigureAwait(false);
        byte[] revoked = ResultCodec.EncodeException(new RemoteException("TaskRevokedError", reason, "celery.exceptions"));
        run.Answered = await AnswerOrKeepAsync(run, TaskState.Revoked, revoked).ConfigureAwait(false);
        await _worker.FollowUps.RevokedAsync(run.Request, revoked).ConfigureAwait(false);
        await SettleAnsweredAsync(run).ConfigureAwait(false);
    }

    /// <summary>The outcome step of a run that did not succeed: tells the caller, and settles the message once that is safe.</summary>
    private async ValueTask EndAsync(TaskRunContext run, RunOutcome outcome)
    {
        switch (outcome.End)
        {
            case RunEnd.Requeue:
                await run.Delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            case RunEnd.BadArguments:
                run.Finished(outcome.Failure, outcome.Runtime);
                run.Answered = await FailAsync(run, outcome.Failure!, null).ConfigureAwait(false);
                await run.Delivery.RejectAsync(requeue: false).ConfigureAwait(false);
                return;
            case RunEnd.Retry:
                await RetryAsync(run, outcome.Retry, outcome.Runtime).ConfigureAwait(false);
                return;
            case RunEnd.Revoked:
                await RevokedAsync(run, "terminated").ConfigureAwait(false);
                return;
            default:
                run.Finished(outcome.Failure, outcome.Runtime);
                run.Answered = await FailAsync(run, outcome.Failure!, outcome.Traceback).ConfigureAwait(false)
                    || await KeepAsync(run, TaskState.Failure, ResultCodec.EncodeException(outcome.Failure!), outcome.Traceback).ConfigureAwait(false);
                await SettleFailedAsync(run).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// Sends the retry, tells the caller the task is in RETRY and sends <c>task-retried</c>, then acknowledges the
    /// run's message: only once the retry is on the broker, so that this run's message is never the only copy lost.
    /// </summary>
    private async ValueTask RetryAsync(TaskRunContext run, RetryPlan plan, TimeSpan runtime)
    {
        TaskRequest request = run.Request;
        bool unroutable = false;
        Exception? reason = plan.Reason;
        string? traceback = reason?.ToString();
        var remote = reason is null
            ? new RemoteException("Retry", $"Retry in {plan.Countdown.TotalSeconds:0.###}s", "celery.exceptions")
            : new RemoteException(reason.GetType().Name, reason.Message, reason.GetType().Namespace);
        if (!await _retries.SendAsync(run.Delivery, request, plan.Countdown, gone => unroutable = gone).ConfigureAwait(false))
        {
            if (!unroutable && _worker.AcksLate)
            {
                // Most likely the broker connection went: the run's message comes back, and the retry with it.
                await run.Delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            }

            // The queue is gone, or the run's message was acknowledged at its start and cannot come back: no retry
            // can happen, so the task fails with why it wanted one rather than vanish.
            run.Finished(remote, runtime);
            run.Answered = await FailAsync(run, remote, traceback).ConfigureAwait(false)
                || await KeepAsync(run, TaskState.Failure, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
            await SettleFailedAsync(run).ConfigureAwait(false);
            return;
        }

        run.Retried(runtime);
        if (_worker.Answers.ResultAddress(request.ReplyTo) is { } replyTo && !request.IgnoreResult)
        {
            await _worker.Answers.NotifyAsync(request.Id, replyTo, TaskState.Retry, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
        }

        await run.RetriedAsync(remote, traceback).ConfigureAwait(false);
        await run.Delivery.AckAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Settles the message of a task that failed: acknowledged, as Celery's <c>task_acks_on_failure_or_timeout</c> does
    /// by default, or (with it off and acks late) rejected without requeue, so a dead-letter policy keeps it for replay.
    /// </summary>
    private ValueTask SettleFailedAsync(TaskRunContext run) =>
        run.Answered && _worker.AcksLate && !_worker.AcksOnFailureOrTimeout ? run.Delivery.RejectAsync(requeue: false) : SettleAnsweredAsync(run);

    /// <summary>
    /// Acknowledges a message whose caller has its answer. One whose answer could not be stored was settled by
    /// <see cref="AnswerRetries"/> already (dead-lettered with its outcome, or handed back), so it is left alone.
    /// </summary>
    private static ValueTask SettleAnsweredAsync(TaskRunContext run) =>
        run.Answered ? run.Delivery.AckAsync() : ValueTask.CompletedTask;

    /// <summary>
    /// Stores an outcome and, when the backend cannot take it, holds the message while storing is tried again:
    /// the task is not run again because of the store. True once the caller can read it.
    /// </summary>
    private async ValueTask<bool> AnswerOrKeepAsync(TaskRunContext run, TaskState state, ResultBody resultJson) =>
        await AnswerAsync(run.Request, state, resultJson, null).ConfigureAwait(false)
        || await KeepAsync(run, state, resultJson, null).ConfigureAwait(false);

    private ValueTask<bool> KeepAsync(TaskRunContext run, TaskState state, ResultBody resultJson, string? traceback) =>
        _answers.KeepAsync(run.Delivery, run.Request, state, resultJson, traceback, () => AnswerAsync(run.Request, state, resultJson, traceback));

    /// <summary>Sends a failure, and fails every remaining step of its chain as Celery does, so their waiters do not hang.</summary>
    private async ValueTask<bool> FailAsync(TaskRunContext run, RemoteException remote, string? traceback)
    {
        TaskRequest request = run.Request;
        bool answered = await AnswerAsync(request, TaskState.Failure, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
        await _worker.FollowUps.FailedAsync(request, remote, traceback).ConfigureAwait(false);
        await run.FailedAsync(remote, traceback).ConfigureAwait(false);
        return answered;
    }

    /// <summary>
    /// Stores a state for the caller and says whether the caller can now read an answer (or nobody waits).
    /// A result that cannot be stored is replaced by a small failure naming why, so the caller never hangs.
    /// </summary>
    public async ValueTask<bool> AnswerAsync(TaskRequest request, TaskState state, ResultBody resultJson, string? traceback)
    {
        if (_worker.Answers.ResultAddress(request.ReplyTo) is not { } replyTo || request.IgnoreResult)
        {
            return true;
        }

        return await _worker.Answers.AnswerAsync(request.Id, replyTo, state, resultJson, traceback, request.FromBroadcast).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TaskRejectOnWorkerLost has no effect without TaskAcksLate: a task is acknowledged when it starts, so one cut off by shutdown fails with WorkerLostError. Set TaskAcksLate to true to have it run again.")]
    private static partial void LogRejectOnWorkerLostIgnored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was not started: the channel that delivered it is gone, and the broker delivers it again.")]
    private static partial void LogDroppedLost(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} ({TaskName}) was not started: the worker is stopping, and its message goes back to the queue.")]
    private static partial void LogNotStartedOnStop(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was revoked; not run, reported as REVOKED.")]
    private static partial void LogRevoked(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) expired at {Expires:o}; not run, reported as REVOKED.")]
    private static partial void LogExpired(ILogger logger, string taskId, string taskName, DateTimeOffset expires);

    // Celery's LOG_SUCCESS line; the runtime in seconds to the microsecond, the result as its JSON cut at 1024 characters.
    [LoggerMessage(Level = LogLevel.Information, EventName = "TaskSucceeded", Message = "Task {TaskName}[{TaskId}] succeeded in {Runtime:0.000###}s: {Result}")]
    private static partial void LogSucceeded(ILogger logger, string taskName, string taskId, double runtime, string result);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker failed while handling task {TaskId} ({TaskName}); its message goes back to the queue once, or, acknowledged at its start, the task fails.")]
    private static partial void LogWorkerError(ILogger logger, Exception exception, string taskId, string taskName);
}
