using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Consumes task queues and runs the app's registered tasks: up to the concurrency limit at once, acking
/// after each task ends, rejecting what it cannot read without requeue, and never stopping for a bad message.
/// </summary>
public sealed partial class TaskWorker : IAsyncDisposable
{
    private readonly TaskApp _app;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly List<ITransportConsumer> _consumers = [];
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private readonly ConcurrentDictionary<string, long> _processed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActiveTask> _active = new(StringComparer.Ordinal);
    private const int MaxRevoked = 50_000;
    private static readonly TimeSpan RevokedLifetime = TimeSpan.FromHours(3);
    private static readonly TimeSpan MaxDelayStep = TimeSpan.FromDays(30);
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, DateTime> _revoked = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private Control.RemoteControlServer? _control;
    private WorkerEvents? _events;
    private readonly WorkerOptions _options;
    private readonly Dictionary<string, object?> _resultHeaders;
    private int _state;

    internal TaskWorker(TaskApp app, WorkerOptions options)
    {
        _app = app;
        _options = options;
        _logger = app.LoggerFactory.CreateLogger("TaskGen.Worker");
        Concurrency = options.Concurrency ?? app.Options.WorkerConcurrency;
        if (Concurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Concurrency must be at least 1, not {Concurrency}.");
        }

        NodeName = WorkerOptions.ResolveNodeName(options.NodeName);

        // Every result carries the same header, read but never changed by the transport, so it is built once.
        _resultHeaders = new Dictionary<string, object?>(1) { ["hostname"] = NodeName };
        Queues = options.Queues.Count > 0 ? options.Queues.Distinct(StringComparer.Ordinal).ToArray() : [app.Options.TaskDefaultQueue];
        _slots = new SemaphoreSlim(Concurrency, Concurrency);
    }

    /// <summary>The worker's node name, <c>name@host</c>.</summary>
    public string NodeName { get; }

    /// <summary>The queues the worker consumes.</summary>
    public IReadOnlyList<string> Queues { get; }

    /// <summary>How many tasks run at once.</summary>
    public int Concurrency { get; }

    /// <summary>How many messages the worker may hold unacknowledged per queue.</summary>
    public int Prefetch => Concurrency * _app.Options.WorkerPrefetchMultiplier;

    /// <summary>How many tasks of each name this worker has finished, as <c>inspect stats</c> reports under <c>total</c>.</summary>
    public IReadOnlyDictionary<string, long> Processed => _processed;

    /// <summary>The requests running now.</summary>
    public IReadOnlyCollection<TaskInvocation> Active => _active.Values.Select(a => a.Invocation).ToArray();

    /// <summary>When the worker started consuming.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    internal IReadOnlyCollection<ActiveTask> ActiveTasks => _active.Values.ToArray();

    /// <summary>The worker's event sender, for the remote-control commands that steer it.</summary>
    internal WorkerEvents? Events => _events;

    /// <summary>Marks tasks as revoked: if they have not started on this worker, they will not run.</summary>
    /// <param name="taskIds">The task ids.</param>
    public void Revoke(IEnumerable<string> taskIds)
    {
        DateTime now = DateTime.UtcNow;
        foreach (string id in taskIds)
        {
            _revoked[id] = now;
        }

        // Bounded as Celery's revoked set is: the newest ids win, and none is kept past a few hours.
        if (_revoked.Count > MaxRevoked)
        {
            foreach (KeyValuePair<string, DateTime> old in _revoked.Where(p => now - p.Value > RevokedLifetime).ToList())
            {
                _revoked.TryRemove(old.Key, out _);
            }

            foreach (KeyValuePair<string, DateTime> oldest in _revoked.OrderBy(p => p.Value).Take(_revoked.Count - MaxRevoked).ToList())
            {
                _revoked.TryRemove(oldest.Key, out _);
            }
        }
    }

    /// <summary>Declares the worker's queues and starts consuming them.</summary>
    /// <param name="cancellationToken">Cancels starting.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The worker has already been started.");
        }

        foreach (string name in Queues)
        {
            QueueDeclaration queue = _app.ResolveQueue(name);
            await _app.EnsureDeclaredAsync(queue, cancellationToken).ConfigureAwait(false);
            string consumed = queue.Broadcast
                ? await TaskQueueTopology.DeclareBroadcastConsumerAsync(_app.Transport, queue, cancellationToken).ConfigureAwait(false)
                : queue.Name;
            _consumers.Add(await _app.Transport.ConsumeAsync(consumed, Prefetch, autoAck: false, OnDeliveryAsync, cancellationToken).ConfigureAwait(false));
        }

        _control = new Control.RemoteControlServer(this, _app, _app.LoggerFactory.CreateLogger("TaskGen.Control"));
        await _control.StartAsync(cancellationToken).ConfigureAwait(false);
        _events = new WorkerEvents(_app, this, _options.SendTaskEvents ?? _app.Options.WorkerSendTaskEvents, _app.LoggerFactory.CreateLogger("TaskGen.Events"));
        await _events.StartAsync(cancellationToken).ConfigureAwait(false);
        StartedAt = DateTimeOffset.UtcNow;
        LogReady(_logger, NodeName, string.Join(",", Queues), Concurrency);
    }

    /// <summary>
    /// Stops consuming, lets running tasks finish within the app's shutdown timeout, then cancels the rest.
    /// Messages not started stay on the broker.
    /// </summary>
    /// <param name="cancellationToken">Cuts the grace period short.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        _stopping.Cancel();
        if (_control is not null)
        {
            await _control.DisposeAsync().ConfigureAwait(false);
        }

        foreach (ITransportConsumer consumer in _consumers)
        {
            await consumer.CancelAsync().ConfigureAwait(false);
        }

        Task all = Task.WhenAll(_running.Keys);
        try
        {
            await all.WaitAsync(_app.Options.WorkerShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogShutdownTimeout(_logger, _running.Count);
            _abort.Cancel();

            // A task that ignores its token cannot hold the process forever: what it holds unacknowledged
            // goes back to the broker when the consumers close.
            if (await Task.WhenAny(all, Task.Delay(AbortGrace)).ConfigureAwait(false) != all)
            {
                LogAbandonedOnStop(_logger, _running.Count);
            }
        }

        // Only now may the consumers go: running tasks needed their channels to acknowledge.
        foreach (ITransportConsumer consumer in _consumers)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        if (_events is not null)
        {
            await _events.DisposeAsync().ConfigureAwait(false);
        }

        LogStopped(_logger, NodeName);
    }

    /// <summary>Stops the worker if it is running.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
        _slots.Dispose();
    }

    private async ValueTask OnDeliveryAsync(Delivery delivery)
    {
        TaskRequest request;
        try
        {
            request = TaskMessageCodec.Decode(delivery.Message, _app.Options.WorkerMaxBodySize);
        }
        catch (MalformedMessageException ex)
        {
            LogRejected(_logger, ex.TaskId ?? "(none)", ex.TaskName ?? "(none)", delivery.Queue, ex.Message);
            await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            if (ex.TaskId is not null && delivery.Message.Properties.ReplyTo is { Length: > 0 } replyTo)
            {
                await SendFailureAsync(ex.TaskId, replyTo, new RemoteException("MalformedMessage", ex.Message, "TaskGen.Protocol"), null).ConfigureAwait(false);
            }

            return;
        }

        if (!_app.Tasks.TryGet(request.Name, out TaskModule module, out _))
        {
            LogUnknownTask(_logger, request.Id, request.Name, delivery.Queue);
            await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            await SendResultAsync(request, TaskState.Failure,
                ResultCodec.EncodeException(new RemoteException("NotRegistered", request.Name, "celery.exceptions")), null).ConfigureAwait(false);
            return;
        }

        if (_events is not null)
        {
            await _events.TaskReceivedAsync(request).ConfigureAwait(false);
        }

        if (request.Eta is { } eta && eta > DateTimeOffset.UtcNow)
        {
            // Held unacked until due, without taking a concurrency slot, as Celery's timer does.
            Track(RunAtEtaAsync(delivery, request, module, eta));
            return;
        }

        try
        {
            await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            return;
        }

        Track(RunAsync(delivery, request, module));
    }

    private void Track(Task task)
    {
        _running.TryAdd(task, true);
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAtEtaAsync(Delivery delivery, TaskRequest request, TaskModule module, DateTimeOffset eta)
    {
        // A held message must not use up the prefetch window, or a few far-off ETAs would starve the
        // worker: widen the window while it waits, as Celery does.
        await delivery.ExtendPrefetchAsync(1).ConfigureAwait(false);
        try
        {
            // Task.Delay takes at most about 49 days; an ETA further off waits in steps.
            for (TimeSpan wait = eta - DateTimeOffset.UtcNow; wait > TimeSpan.Zero; wait = eta - DateTimeOffset.UtcNow)
            {
                await Task.Delay(wait < MaxDelayStep ? wait : MaxDelayStep, _stopping.Token).ConfigureAwait(false);
            }

            await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            return;
        }
        finally
        {
            await delivery.ExtendPrefetchAsync(-1).ConfigureAwait(false);
        }

        await RunAsync(delivery, request, module).ConfigureAwait(false);
    }

    private async Task RunAsync(Delivery delivery, TaskRequest request, TaskModule module)
    {
        bool answered = false;
        try
        {
            await Task.Yield();
            if (IsRevoked(request.Id))
            {
                LogRevoked(_logger, request.Id, request.Name);
                answered = true;
                await SendRevokedAsync(request, "revoked").ConfigureAwait(false);
                await delivery.AckAsync().ConfigureAwait(false);
                return;
            }

            if (request.Expires is { } expires && expires <= DateTimeOffset.UtcNow)
            {
                LogExpired(_logger, request.Id, request.Name, expires);
                answered = true;
                await SendRevokedAsync(request, "expired").ConfigureAwait(false);
                await delivery.AckAsync().ConfigureAwait(false);
                return;
            }

            if (!_app.Options.TaskAcksLate)
            {
                await delivery.AckAsync().ConfigureAwait(false);
            }

            // A soft time limit (Celery's timelimit header, [hard, soft]) cancels the task's token; a hard
            // one without a soft one does the same, since a .NET task cannot be killed from outside.
            double? limitSeconds = request.TimeLimit.Soft ?? request.TimeLimit.Hard;
            using CancellationTokenSource? limit = limitSeconds is > 0 ? CancellationTokenSource.CreateLinkedTokenSource(_abort.Token) : null;
            limit?.CancelAfter(TimeSpan.FromSeconds(limitSeconds!.Value));
            CancellationToken token = limit?.Token ?? _abort.Token;
            var context = new TaskContext(request.Id, request.Name, NodeName)
            {
                Retries = request.Retries,
                RootId = request.RootId,
                ParentId = request.ParentId,
                Queue = delivery.Queue,
                CancellationToken = token,
                Headers = request.Headers as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(request.Headers),
            };
            var invocation = new TaskInvocation(request, context, token);
            _active[request.Id] = new ActiveTask(invocation, delivery, DateTimeOffset.UtcNow);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                if (_events is not null)
                {
                    await _events.TaskStartedAsync(request).ConfigureAwait(false);
                }

                await module.DispatchAsync(invocation).ConfigureAwait(false);
            }
            catch (TaskArgumentException ex)
            {
                LogBadArguments(_logger, request.Id, request.Name, ex.Message);
                answered = true;
                await FailAsync(request, new RemoteException("TypeError", ex.Message, "builtins"), null).ConfigureAwait(false);
                await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Stopped by shutdown, not by the task's own logic: another worker runs it again, as
                // Celery's acks_late promises; no result, so the caller keeps waiting for that run.
                LogAbandoned(_logger, request.Id, request.Name);
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                LogTaskFailed(_logger, ex, request.Id, request.Name);
                Count(request.Name);
                answered = true;
                bool timedOut = ex is OperationCanceledException && limit?.IsCancellationRequested == true;
                await FailAsync(
                    request,
                    timedOut ? new RemoteException("SoftTimeLimitExceeded", $"Task exceeded its time limit of {limitSeconds} s.", "celery.exceptions") : new RemoteException(ex.GetType().Name, ex.Message, ex.GetType().Namespace),
                    ex.ToString()).ConfigureAwait(false);
                await delivery.AckAsync().ConfigureAwait(false);
                return;
            }
            finally
            {
                _active.TryRemove(request.Id, out _);
            }

            Count(request.Name);
            LogSucceeded(_logger, request.Id, request.Name);
            answered = true;
            await SendResultAsync(request, TaskState.Success, invocation.ResultJson, null).ConfigureAwait(false);
            await SendFollowUpsAsync(request, invocation.ResultJson).ConfigureAwait(false);
            if (_events is not null)
            {
                await _events.TaskSucceededAsync(request, invocation.ResultJson, System.Diagnostics.Stopwatch.GetElapsedTime(started)).ConfigureAwait(false);
            }

            await delivery.AckAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever happens here must not take the worker down. Before the caller has an answer the
            // message goes back for another try; after, running it again would repeat its effects.
            LogWorkerError(_logger, ex, request.Id, request.Name);
            try
            {
                if (answered)
                {
                    await delivery.AckAsync().ConfigureAwait(false);
                }
                else
                {
                    await delivery.RejectAsync(requeue: !delivery.Redelivered).ConfigureAwait(false);
                }
            }
            catch (Exception settleError)
            {
                LogWorkerError(_logger, settleError, request.Id, request.Name);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async ValueTask FailAsync(TaskRequest request, RemoteException remote, string? traceback)
    {
        await SendFailureAsync(request, remote, traceback).ConfigureAwait(false);

        // Celery marks every remaining step of a failed chain as failed too, so their waiters do not hang.
        List<(string Id, string? ReplyTo)> steps;
        try
        {
            steps = Workflow.RemainingChainSteps(request, out bool hasErrbacks);
            if (hasErrbacks)
            {
                LogWorkflowUnsupported(_logger, request.Id, request.Name, "errback");
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            LogWorkflowUnreadable(_logger, request.Id, request.Name, ex.Message);
            steps = [];
        }

        foreach ((string id, string? replyTo) in steps)
        {
            if (replyTo is not null)
            {
                await SendFailureAsync(id, replyTo, remote, traceback).ConfigureAwait(false);
            }
        }

        if (_events is not null)
        {
            await _events.TaskFailedAsync(request, remote, traceback).ConfigureAwait(false);
        }
    }

    private bool IsRevoked(string taskId) => _revoked.ContainsKey(taskId);

    private async ValueTask SendFollowUpsAsync(TaskRequest request, ReadOnlyMemory<byte> resultJson)
    {
        if (request.Embed.IsEmpty)
        {
            return;
        }

        List<Workflow.FollowUp> followUps;
        List<string> unsupported;
        try
        {
            followUps = Workflow.AfterSuccess(request, resultJson, _app.Origin, out unsupported);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            LogWorkflowUnreadable(_logger, request.Id, request.Name, ex.Message);
            return;
        }

        foreach (string kind in unsupported)
        {
            LogWorkflowUnsupported(_logger, request.Id, request.Name, kind);
        }

        foreach (Workflow.FollowUp followUp in followUps)
        {
            try
            {
                await _app.SendFollowUpAsync(followUp.Envelope, followUp.Queue).ConfigureAwait(false);
                LogFollowUpSent(_logger, followUp.Envelope.Id, followUp.Envelope.Name, request.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFollowUpFailed(_logger, ex, followUp.Envelope.Id, followUp.Envelope.Name, request.Id);
            }
        }
    }

    private void Count(string name) => _processed.AddOrUpdate(name, 1, static (_, n) => n + 1);

    // Celery's workers describe a revoked task as a TaskRevokedError, which Python callers raise as such.
    private ValueTask SendRevokedAsync(TaskRequest request, string reason) =>
        SendResultAsync(request, TaskState.Revoked, ResultCodec.EncodeException(new RemoteException("TaskRevokedError", reason, "celery.exceptions")), null);

    private ValueTask SendFailureAsync(TaskRequest request, RemoteException exception, string? traceback) =>
        SendResultAsync(request, TaskState.Failure, ResultCodec.EncodeException(exception), traceback);

    private ValueTask SendResultAsync(TaskRequest request, TaskState state, ReadOnlyMemory<byte> resultJson, string? traceback)
    {
        if (request.ReplyTo is null || request.IgnoreResult)
        {
            return ValueTask.CompletedTask;
        }

        return PublishResultAsync(request.Id, request.ReplyTo, ResultCodec.Encode(request.Id, state, resultJson.Span, traceback));
    }

    private ValueTask SendFailureAsync(string taskId, string replyTo, RemoteException exception, string? traceback) =>
        PublishResultAsync(taskId, replyTo, ResultCodec.Encode(taskId, TaskState.Failure, ResultCodec.EncodeException(exception), traceback));

    private async ValueTask PublishResultAsync(string taskId, string replyTo, byte[] body)
    {
        var properties = new MessageProperties
        {
            CorrelationId = taskId,
            ContentType = TaskMessageCodec.JsonContentType,
            ContentEncoding = "utf-8",
            DeliveryMode = 1,
        };
        try
        {
            await _app.Transport.PublishAsync(new TransportMessage(string.Empty, replyTo, properties, _resultHeaders, body) { Confirm = false }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, taskId, replyTo, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The workflow of task {TaskId} ({TaskName}) could not be read, so its callbacks and chain do not run: {Reason}")]
    private static partial void LogWorkflowUnreadable(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) carries a {Kind} in its workflow, which TaskGen workers do not run.")]
    private static partial void LogWorkflowUnsupported(ILogger logger, string taskId, string taskName, string kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent task {TaskId} ({TaskName}) on from task {ParentId}.")]
    private static partial void LogFollowUpSent(ILogger logger, string taskId, string taskName, string parentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}), the next step after task {ParentId}, could not be sent.")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception, string taskId, string taskName, string parentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was cancelled by shutdown; its message goes back to the queue.")]
    private static partial void LogAbandoned(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} task(s) ignored cancellation; stopping without them, and their messages go back to the queue.")]
    private static partial void LogAbandonedOnStop(ILogger logger, int count);

    /// <summary>A task running now, with what <c>inspect active</c> reports of it.</summary>
    internal sealed record ActiveTask(TaskInvocation Invocation, Delivery Delivery, DateTimeOffset Started);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) was revoked; not run, reported as REVOKED.")]
    private static partial void LogRevoked(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{NodeName} ready: consuming {Queues} with concurrency {Concurrency}.")]
    private static partial void LogReady(ILogger logger, string nodeName, string queues, int concurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "{NodeName} stopped.")]
    private static partial void LogStopped(ILogger logger, string nodeName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with {Count} task(s) still running; cancelling them.")]
    private static partial void LogShutdownTimeout(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId} ({TaskName}) from queue {Queue}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string taskId, string taskName, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId}: task '{TaskName}' from queue {Queue} is not registered on this worker.")]
    private static partial void LogUnknownTask(ILogger logger, string taskId, string taskName, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId} ({TaskName}): {Reason}")]
    private static partial void LogBadArguments(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) expired at {Expires:o}; not run, reported as REVOKED.")]
    private static partial void LogExpired(ILogger logger, string taskId, string taskName, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) raised an exception.")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId} ({TaskName}) succeeded.")]
    private static partial void LogSucceeded(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker failed while handling task {TaskId} ({TaskName}); the message is requeued.")]
    private static partial void LogWorkerError(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result of task {TaskId} could not be sent to {ReplyTo}: {Reason}")]
    private static partial void LogResultNotSent(ILogger logger, string taskId, string replyTo, string reason);
}
