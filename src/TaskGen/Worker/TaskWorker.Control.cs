using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// What remote control changes on a running worker, as Celery's control commands do: the queues it consumes
/// (<c>add_consumer</c>, <c>cancel_consumer</c>), a task type's rate and time limits, a running task's termination,
/// and a warm shutdown.
/// </summary>
public sealed partial class TaskWorker
{
    private readonly object _consumersLock = new();
    private readonly List<QueueConsumer> _consumers = [];
    private readonly List<Task> _retiring = [];
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string[] _queues;

    /// <summary>Completes when remote control asked the worker to shut down; the worker is stopping by itself then, and a host stops with it.</summary>
    internal Task ShutdownRequested => _shutdownRequested.Task;

    private async Task<QueueConsumer> StartConsumerAsync(QueueDeclaration queue, CancellationToken cancellationToken)
    {
        var running = new RunningSet();
        ITransportConsumer consumer = await _dependencies.Transport.ConsumeAsync(Consumer(queue, running), cancellationToken).ConfigureAwait(false);
        return new QueueConsumer(queue.Name, consumer, running);
    }

    /// <summary>Hands a delivery to the handler, keeping its handling in its consumer's set until its message is settled.</summary>
    private ValueTask HandleTracked(Delivery delivery, RunningSet running)
    {
        // Admitted before it is handled: a retire that comes meanwhile waits for this delivery rather than finding
        // the set empty and closing the channel under it.
        if (running.TryAdmit() is not { } admitted)
        {
            return HandBackAsync(delivery);
        }

        try
        {
            ValueTask handling = _handler.HandleAsync(delivery, running);
            if (handling.IsCompleted)
            {
                return handling;
            }

            Task task = handling.AsTask();
            running.Add(task);
            return new ValueTask(task);
        }
        finally
        {
            admitted.SetResult();
        }
    }

    private async ValueTask HandBackAsync(Delivery delivery)
    {
        try
        {
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its channel is closing: the broker hands the message out again once it has closed.
            LogHandBackFailed(_logger, LogText.Escape(delivery.Queue), LogText.Escape(ex.Message));
        }
    }

    private QueueConsumer[] ConsumersNow()
    {
        lock (_consumersLock)
        {
            return [.. _consumers];
        }
    }

    private Task[] RetiringNow()
    {
        lock (_consumersLock)
        {
            return [.. _retiring];
        }
    }

    /// <summary>
    /// Starts consuming <paramref name="queue"/>, which must be declared as for <see cref="WorkerOptions.Queues"/>; false
    /// when the worker consumes it already.
    /// </summary>
    /// <exception cref="TaskRoutingException">No assembly declares the queue.</exception>
    /// <exception cref="InvalidOperationException">The worker is not consuming (not started, or stopping).</exception>
    internal async Task<bool> AddConsumerAsync(string queue, CancellationToken cancellationToken)
    {
        QueueDeclaration declaration = _dependencies.Router.ResolveQueue(queue);
        if (!IsConsuming)
        {
            throw new InvalidOperationException($"{NodeName} is not consuming, so it cannot add a consumer.");
        }

        lock (_consumersLock)
        {
            if (_consumers.Any(c => c.Queue == declaration.Name))
            {
                return false;
            }
        }

        if (TaskQueueTopology.DelaysInBroker(_dependencies.Transport, declaration, _settings.TaskDefaultQueueType))
        {
            // Known before its first delivery, so that a retry from the new queue takes the broker's delay levels.
            _context.DelayedQueues.Add(declaration.Name);
        }

        QueueConsumer started = await StartConsumerAsync(declaration, cancellationToken).ConfigureAwait(false);
        bool kept;
        lock (_consumersLock)
        {
            // A stop that began meanwhile took its list of consumers under this lock: one added after it would never be cancelled.
            kept = Volatile.Read(ref _state) == 1 && !_consumers.Any(c => c.Queue == declaration.Name);
            if (kept)
            {
                _consumers.Add(started);
                _queues = [.. _queues.Where(q => q != declaration.Name), declaration.Name];
            }
        }

        if (!kept)
        {
            // It may have begun deliveries already: closed now, their messages would go back to the queue while their
            // tasks run, and run again. Retired as cancel_consumer retires one, it settles them first.
            await started.Consumer.CancelAsync().ConfigureAwait(false);
            started.Running.Retire();
            Task retiring = RetireAsync(started);
            lock (_consumersLock)
            {
                _retiring.Add(retiring);
            }

            return false;
        }

        LogConsumerAdded(_logger, NodeName, LogText.Escape(declaration.Name));
        return true;
    }

    /// <summary>
    /// Stops consuming <paramref name="queue"/>: the broker delivers no more from it at once, and what the worker holds
    /// from it runs (or is handed back) and is settled on its own channel, which closes after; false when the worker
    /// does not consume it.
    /// </summary>
    internal async Task<bool> CancelConsumerAsync(string queue)
    {
        QueueConsumer? cancelled;
        lock (_consumersLock)
        {
            cancelled = _consumers.FirstOrDefault(c => c.Queue == queue);
            if (cancelled is null)
            {
                return false;
            }

            _consumers.Remove(cancelled);
            _queues = _queues.Where(q => q != queue).ToArray();
        }

        await cancelled.Consumer.CancelAsync().ConfigureAwait(false);
        cancelled.Running.Retire();
        Task retiring = RetireAsync(cancelled);
        lock (_consumersLock)
        {
            _retiring.Add(retiring);
        }

        LogConsumerCancelled(_logger, NodeName, LogText.Escape(queue));
        return true;
    }

    private async Task RetireAsync(QueueConsumer consumer)
    {
        try
        {
            // Yielded first, so that a consumer cancelled from a delivery callback is never closed inside it.
            await Task.Yield();
            await consumer.Running.DrainAsync().ConfigureAwait(false);
            await consumer.Consumer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRetireFailed(_logger, ex, LogText.Escape(consumer.Queue));
        }
        finally
        {
            lock (_consumersLock)
            {
                _retiring.RemoveAll(t => t.IsCompleted);
            }
        }
    }

    /// <summary>Sets the rate limit of <paramref name="taskName"/> on this worker (Celery's syntax, <c>"10/m"</c>); null or empty removes it.</summary>
    /// <exception cref="FormatException">The text is not a rate.</exception>
    internal void SetRateLimit(string taskName, string? rate) =>
        _rates.Set(taskName, string.IsNullOrWhiteSpace(rate) || rate.Trim() == "0" ? null : TaskPolicy.ParseRate(rate));

    /// <summary>Sets the time limits, in seconds, of <paramref name="taskName"/> for runs whose message sets none; null clears one.</summary>
    internal void SetTimeLimits(string taskName, double? hard, double? soft) => _context.TimeLimitsByTask.Set(taskName, hard, soft);

    /// <summary>
    /// Cancels the tokens of the running tasks among <paramref name="taskIds"/>, which end REVOKED; returns the ids of
    /// those that were running. They are revoked too, so a copy not started yet never runs.
    /// </summary>
    internal IReadOnlyList<string> Terminate(IReadOnlyCollection<string> taskIds)
    {
        Revoke(taskIds);
        var terminated = new List<string>();
        foreach (ActiveTask active in _executor.Active)
        {
            if (taskIds.Contains(active.Invocation.Request.Id) && active.Cancellation?.Terminate() == true)
            {
                terminated.Add(active.Invocation.Request.Id);
            }
        }

        return terminated;
    }

    /// <summary>
    /// A warm shutdown asked for by remote control, as Ctrl+C: no task starts from now on, running ones finish within
    /// the shutdown timeout, and the worker stops (a host that runs it stops with it).
    /// </summary>
    internal void RequestShutdown()
    {
        if (_shutdownRequested.TrySetResult())
        {
            // Celery's warning for this command.
            LogRemoteShutdown(_logger, NodeName);
            _ = Task.Run(() => StopAsync());
        }
    }

    IReadOnlyList<string> IWorkerState.Terminate(IReadOnlyCollection<string> taskIds) => Terminate(taskIds);

    IReadOnlyList<string> IWorkerState.RevokedIds => _context.Revoked.Snapshot(Environment.TickCount64);

    Task<bool> IWorkerState.AddConsumerAsync(string queue, CancellationToken cancellationToken) => AddConsumerAsync(queue, cancellationToken);

    Task<bool> IWorkerState.CancelConsumerAsync(string queue) => CancelConsumerAsync(queue);

    void IWorkerState.SetRateLimit(string taskName, string? rate) => SetRateLimit(taskName, rate);

    void IWorkerState.SetTimeLimits(string taskName, double? hard, double? soft) => SetTimeLimits(taskName, hard, soft);

    void IWorkerState.RequestShutdown() => RequestShutdown();

    /// <summary>A queue's consumer, with the handling of what it delivered.</summary>
    private sealed record QueueConsumer(string Queue, ITransportConsumer Consumer, RunningSet Running);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Got shutdown from remote: {NodeName} stops as on Ctrl+C.")]
    private static partial void LogRemoteShutdown(ILogger logger, string nodeName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{NodeName} started consuming from {Queue}.")]
    private static partial void LogConsumerAdded(ILogger logger, string nodeName, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "{NodeName} is no longer consuming from {Queue}; what it holds from there is settled before the consumer closes.")]
    private static partial void LogConsumerCancelled(ILogger logger, string nodeName, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A late delivery of the cancelled consumer of {Queue} could not be handed back ({Reason}); the broker delivers it again when the channel closes.")]
    private static partial void LogHandBackFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cancelled consumer of {Queue} could not be closed cleanly.")]
    private static partial void LogRetireFailed(ILogger logger, Exception exception, string queue);
}
