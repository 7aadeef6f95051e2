using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>
/// The step that runs the task's own code: under its soft and hard time limits, through the worker's filters, in
/// its service scope. Everything the task (or a filter) throws is caught here and only here, and turned into a
/// <see cref="RunOutcome"/>; the slot is given back as soon as the code is done or abandoned.
/// </summary>
internal sealed partial class TimedDispatch
{
    private readonly WorkerContext _worker;
    private readonly TaskRetries _retries;
    private readonly TaskRunDelegate? _filters;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TaskWorker.ActiveTask> _active = new(StringComparer.Ordinal);
    private long _abandoned;

    public TimedDispatch(WorkerContext worker, TaskRetries retries, IReadOnlyList<ITaskFilter> filters, ILogger logger)
    {
        _worker = worker;
        _retries = retries;
        _filters = Compose(filters);
        _logger = logger;
    }

    public ICollection<TaskWorker.ActiveTask> Active => _active.Values;

    /// <summary>How many tasks ran past their hard time limit and were left to finish on their own.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    public async ValueTask<RunOutcome> RunAsync(TaskRunContext run, DateTimeOffset readySince)
    {
        TaskRequest request = run.Request;
        (double? hardSeconds, double? softSeconds) = _worker.TimeLimitsByTask.For(request.Name, request.TimeLimit);
        TimeSpan? soft = TimeLimits.ToDelay(softSeconds);
        TimeSpan? hard = TimeLimits.ToDelay(hardSeconds);

        // The token is cancelled at the first limit reached, so a cooperative task stops at the soft limit,
        // or at the hard one when that is all it has; and by remote control's revoke with terminate.
        TimeSpan? first = soft is { } s && (hard is null || s < hard) ? s : hard;
        using var cancel = new RunCancellation(_worker.Abort);
        if (first is not null)
        {
            cancel.Source.CancelAfter(first.Value);
        }

        var invocation = new TaskInvocation(request, _worker.NodeName, run.Delivery.Queue, cancel.Source.Token)
        {
            Services = _worker.Services,
            Target = run.Definition.Run,
        };
        _active[request.Id] = new TaskWorker.ActiveTask(invocation, run.Delivery, DateTimeOffset.UtcNow) { Cancellation = cancel };
        long started = Stopwatch.GetTimestamp();
        RunOutcome outcome;
        try
        {
            await run.StartedAsync(readySince).ConfigureAwait(false);
            outcome = hard is null
                ? await RunToEndAsync(invocation).ConfigureAwait(false)
                : await RunWithinAsync(invocation, hard.Value).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.Terminated)
        {
            outcome = Terminated(request);
        }
        catch (TaskArgumentException ex)
        {
            LogBadArguments(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(ex.Message));
            outcome = new RunOutcome(RunEnd.BadArguments, new RemoteException("TypeError", ex.Message, "builtins"));
        }
        catch (OperationCanceledException) when (_worker.Abort.IsCancellationRequested && _worker.RejectOnWorkerLost && _worker.AcksLate)
        {
            // Stopped by shutdown, not by the task's own logic, and told to requeue such a task: another
            // worker runs it again; no result, so the caller keeps waiting for that run.
            LogAbandoned(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            outcome = new RunOutcome(RunEnd.Requeue);
        }
        catch (OperationCanceledException) when (_worker.Abort.IsCancellationRequested)
        {
            // Celery's default for a task its worker lost: acknowledged and failed, so it never runs twice.
            LogLostOnShutdown(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            outcome = new RunOutcome(RunEnd.Failed, new RemoteException("WorkerLostError", $"The worker {_worker.NodeName} stopped while the task ran: its shutdown grace ran out and the task gave up on its cancellation token.", "billiard.exceptions"));
        }
        catch (Exception ex)
        {
            bool timedOut = ex is OperationCanceledException && cancel.Source.IsCancellationRequested;
            RetryPlan plan = timedOut ? RetryPlan.Fail(ex) : _retries.Plan(request, run.Definition.Policy, ex);
            if (plan.Retry)
            {
                outcome = new RunOutcome(RunEnd.Retry, Retry: plan);
            }
            else
            {
                Exception reason = plan.Reason ?? ex;
                RemoteException failure = timedOut
                    ? new RemoteException(soft is null ? "TimeLimitExceeded" : "SoftTimeLimitExceeded", $"Task exceeded its time limit of {first!.Value.TotalSeconds:0.###} s.", "celery.exceptions")
                    : new RemoteException(reason.GetType().Name, reason.Message, reason.GetType().Namespace);
                LogTaskFailed(_logger, reason, LogText.Escape(request.Name), LogText.Escape(request.Id), LogText.Escape(failure.Type), LogText.Escape(failure.Message));
                outcome = new RunOutcome(RunEnd.Failed, failure, reason.ToString());
            }
        }
        finally
        {
            _active.TryRemove(request.Id, out _);
            run.Stopped();
            run.ReleaseSlot();
        }

        if (cancel.Terminated && outcome.End is RunEnd.Succeeded or RunEnd.Failed or RunEnd.Retry)
        {
            // Terminated, then ended anyway (it caught the cancellation, or finished first): Celery reports such a
            // task REVOKED whatever its code did after the signal.
            outcome = Terminated(request);
        }

        return outcome with { Runtime = Stopwatch.GetElapsedTime(started), Result = outcome.End == RunEnd.Succeeded ? invocation.Result : default };
    }

    private RunOutcome Terminated(TaskRequest request)
    {
        LogTerminated(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
        return new RunOutcome(RunEnd.Revoked, new RemoteException("TaskRevokedError", "terminated", "celery.exceptions"));
    }

    private async ValueTask<RunOutcome> RunToEndAsync(TaskInvocation invocation)
    {
        await invocation.RunAsync(_filters).ConfigureAwait(false);
        return new RunOutcome(RunEnd.Succeeded);
    }

    private async ValueTask<RunOutcome> RunWithinAsync(TaskInvocation invocation, TimeSpan hard)
    {
        // Off this thread, so that even a task that blocks without looking at its token is left
        // behind at the hard limit: .NET cannot kill it, but its slot and its message are freed.
        TaskRunDelegate? filters = _filters;
        Task run = Task.Run(() => invocation.RunAsync(filters).AsTask());
        try
        {
            await run.WaitAsync(hard).ConfigureAwait(false);
            return new RunOutcome(RunEnd.Succeeded);
        }
        catch (TimeoutException) when (!run.IsCompleted)
        {
            Interlocked.Increment(ref _abandoned);
            _ = run.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            TaskRequest request = invocation.Request;
            LogHardLimit(_logger, LogText.Escape(request.Id), LogText.Escape(request.Name), hard.TotalSeconds);
            return new RunOutcome(RunEnd.Failed, new RemoteException("TimeLimitExceeded", $"Task exceeded its hard time limit of {hard.TotalSeconds:0.###} s; it was abandoned.", "celery.exceptions"));
        }
    }

    /// <summary>
    /// Builds the filter chain once per worker, the first filter outermost, ending in the task's dispatch; null
    /// without filters, so that a worker without any calls the dispatch directly.
    /// </summary>
    internal static TaskRunDelegate? Compose(IReadOnlyList<ITaskFilter> filters)
    {
        if (filters.Count == 0)
        {
            return null;
        }

        TaskRunDelegate next = static invocation => invocation.DispatchAsync();
        for (int i = filters.Count - 1; i >= 0; i--)
        {
            ITaskFilter filter = filters[i];
            TaskRunDelegate inner = next;
            next = invocation => filter.InvokeAsync(invocation, inner);
        }

        return next;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was terminated by remote control: its cancellation token was cancelled, and it is reported REVOKED.")]
    private static partial void LogTerminated(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was cancelled by shutdown; its message goes back to the queue.")]
    private static partial void LogAbandoned(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}) was cut off by shutdown; it fails with WorkerLostError and is not run again (TaskRejectOnWorkerLost is off, or TaskAcksLate is).")]
    private static partial void LogLostOnShutdown(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}) exceeded its hard time limit of {Seconds} s: reported as TimeLimitExceeded, its slot freed, its code left to finish on its own.")]
    private static partial void LogHardLimit(ILogger logger, string taskId, string taskName, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId} ({TaskName}): {Reason}")]
    private static partial void LogBadArguments(ILogger logger, string taskId, string taskName, string reason);

    // Celery's LOG_FAILURE line for an unexpected exception, its repr written as Type('message'); the stack trace goes with it.
    [LoggerMessage(Level = LogLevel.Error, EventName = "TaskFailed", Message = "Task {TaskName}[{TaskId}] raised unexpected: {ExceptionType}('{ExceptionMessage}')")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception, string taskName, string taskId, string exceptionType, string exceptionMessage);
}
