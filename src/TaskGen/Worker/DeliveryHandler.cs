using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// The first stop of every task message: decodes it, rejects what cannot run (malformed, unknown task)
/// without requeue and with an answer to the caller where there is one, and hands the rest to the ETA
/// scheduler or, once a slot is free, to the executor. Nothing it meets escapes it.
/// </summary>
internal sealed partial class DeliveryHandler(WorkerContext worker, TaskRegistry tasks, int maxBodySize, EtaScheduler eta, RateLimits rates, TaskExecutor executor, ILogger logger)
{
    private readonly ConcurrentDictionary<Task, bool> _running = new();

    /// <summary>Everything started and not yet finished: runs, and waits for an ETA or a slot.</summary>
    public ICollection<Task> Running => _running.Keys;

    public ValueTask HandleAsync(Delivery delivery) => HandleAsync(delivery, null);

    /// <summary>
    /// Handles <paramref name="delivery"/> and adds what it hands over to <paramref name="tracker"/> too, so that the
    /// consumer of one queue can tell when everything it delivered is settled (a consumer cancelled at run time).
    /// </summary>
    public async ValueTask HandleAsync(Delivery delivery, RunningSet? tracker)
    {
        try
        {
            await HandleCoreAsync(delivery, tracker).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerError(logger, ex, delivery.Queue);
            try
            {
                await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            }
            catch (Exception settleError)
            {
                LogHandlerError(logger, settleError, delivery.Queue);
            }
        }
    }

    private async ValueTask HandleCoreAsync(Delivery delivery, RunningSet? tracker)
    {
        TaskRequest request;
        try
        {
            request = TaskMessageCodec.Decode(delivery.Message, maxBodySize);
            request.FromBroadcast = TaskQueueTopology.IsBroadcastConsumerQueue(delivery.Queue);
        }
        catch (MalformedMessageException ex)
        {
            LogRejected(logger, LogText.Escape(ex.TaskId), LogText.Escape(ex.TaskName), delivery.Queue, LogText.Escape(ex.Message));
            await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            if (ex.TaskId is not null && worker.Answers.ResultAddress(delivery.Message.Properties.ReplyTo) is { } replyTo)
            {
                await worker.Answers.AnswerAsync(ex.TaskId, replyTo, TaskState.Failure, ResultCodec.EncodeException(new RemoteException("MalformedMessage", ex.Message, "TaskGen.Protocol")), null).ConfigureAwait(false);
            }

            return;
        }

        if (!tasks.TryGet(request.Name, out _, out TaskDefinition definition))
        {
            if (request.Name == "celery.chord_unlock")
            {
                LogChordUnlock(logger, LogText.Escape(request.Id), delivery.Queue);
            }
            else
            {
                LogUnknownTask(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), delivery.Queue);
            }

            await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            await executor.AnswerAsync(request, TaskState.Failure, ResultCodec.EncodeException(new RemoteException("NotRegistered", request.Name, "celery.exceptions")), null).ConfigureAwait(false);
            return;
        }

        DateTimeOffset received = DateTimeOffset.UtcNow;
        TaskGenTelemetry.Received(request.Name, delivery.Queue);
        LogReceived(logger, LogText.Escape(request.Name), LogText.Escape(request.Id));
        bool handedOver = false;
        try
        {
            if (worker.Observer is { } events)
            {
                await events.TaskReceivedAsync(request).ConfigureAwait(false);
            }

            if (request.Eta is { } due && due > received)
            {
                Track(RunAtEtaAsync(delivery, request, definition, due, received), tracker);
                handedOver = true;
                return;
            }

            if (!rates.TryTake(definition))
            {
                // Held like an ETA task: out of the prefetch window and without a slot, so others keep running.
                Track(RunAtEtaAsync(delivery, request, definition, received, received), tracker);
                handedOver = true;
                return;
            }

            if (!worker.Slots.Wait(0))
            {
                worker.Reserved[delivery] = request;
                try
                {
                    // Behind tasks that run long, a wait for a slot is a hold like any other, bounded the same way.
                    using var bound = new CancellationTokenSource(eta.HoldLeft(received));
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(worker.Stopping, delivery.Lost, bound.Token);
                    await worker.Slots.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!worker.Stopping.IsCancellationRequested && !delivery.Lost.IsCancellationRequested)
                {
                    await eta.HandBackAsync(delivery, request).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException)
                {
                    // Lost: the broker has it back already. Stopping: it goes back unstarted.
                    await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    worker.Reserved.TryRemove(delivery, out _);
                }
            }

            Track(executor.RunAsync(delivery, request, definition, received), tracker);
            handedOver = true;
        }
        finally
        {
            // Whatever did not reach the executor or the ETA wait is no longer held here.
            if (!handedOver)
            {
                TaskGenTelemetry.LeftPrefetch(request.Name, delivery.Queue);
            }
        }
    }

    private async Task RunAtEtaAsync(Delivery delivery, TaskRequest request, TaskDefinition definition, DateTimeOffset due, DateTimeOffset received)
    {
        bool ready = false;
        try
        {
            ready = await eta.WaitAsync(delivery, request, due, rates, definition, received).ConfigureAwait(false);
        }
        finally
        {
            if (!ready)
            {
                TaskGenTelemetry.LeftPrefetch(request.Name, delivery.Queue);
            }
        }

        if (ready)
        {
            // Its wait for a slot counts from its ETA, not from its delivery: it could not start before.
            await executor.RunAsync(delivery, request, definition, due).ConfigureAwait(false);
        }
    }

    private void Track(Task task, RunningSet? tracker)
    {
        _running.TryAdd(task, true);
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        tracker?.Add(task);
    }

    // Celery's own line (celery/app/trace.py LOG_RECEIVED), so operators and their log searches find what they know.
    [LoggerMessage(Level = LogLevel.Information, EventName = "TaskReceived", Message = "Task {TaskName}[{TaskId}] received")]
    private static partial void LogReceived(ILogger logger, string taskName, string taskId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId} ({TaskName}) from queue {Queue}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string taskId, string taskName, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId}: task '{TaskName}' from queue {Queue} is not registered on this worker.")]
    private static partial void LogUnknownTask(ILogger logger, string taskId, string taskName, string queue);

    // Celery sends chord_unlock only from a backend without chord counters (rpc://, a database); TaskGen has no poll
    // to run for it, so the producer is told where chords do work.
    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected task {TaskId}: celery.chord_unlock from queue {Queue} polls for a chord's header, which TaskGen workers do not do; TaskGen joins chords through the Redis result backend's counters, so the producer should use a redis:// result backend.")]
    private static partial void LogChordUnlock(ILogger logger, string taskId, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "A message from queue {Queue} could not be handled; it is rejected without requeue.")]
    private static partial void LogHandlerError(ILogger logger, Exception exception, string queue);
}
