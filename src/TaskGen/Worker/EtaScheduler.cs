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
/// Holds messages whose ETA is still ahead, or whose task's rate limit has no run to spare yet, unacknowledged and
/// without a concurrency slot, as Celery's timer and rate-limit buckets do. Each held message is taken out of the consumer's prefetch window, so messages due now keep
/// arriving; at most <c>WorkerEtaTaskLimit</c> are held that way (Celery's <c>worker_eta_task_limit</c>),
/// beyond which held messages keep their window slots and the worker takes no more than it can hold. A
/// message whose channel is lost is dropped at once: the broker delivers it again. No message is held longer than
/// <c>WorkerMaxHoldTime</c>: past it, an identical copy goes back to its queue and the original is acknowledged, so
/// the broker's <c>consumer_timeout</c> never closes a channel (and redelivers every task running on it) for a hold.
/// </summary>
internal sealed partial class EtaScheduler(WorkerContext worker, int limit, TimeSpan maxHold, ILogger logger)
{
    // Task.Delay takes at most about 24.8 days; an ETA further off waits in steps.
    private static readonly TimeSpan MaxDelayStep = TimeSpan.FromDays(20);
    private int _held;
    private int _warned;

    // The deliveries whose ETA is still ahead, for inspect scheduled; once due, a delivery waits in the worker's reserved set.
    private readonly ConcurrentDictionary<Delivery, TaskRequest> _waiting = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many messages wait for their ETA now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>The messages whose ETA is still ahead, with their deliveries.</summary>
    public ICollection<KeyValuePair<Delivery, TaskRequest>> Waiting => _waiting;

    /// <summary>
    /// Waits until <paramref name="eta"/>, then for a run of the task's rate limit (as it stands then), then for a slot;
    /// false when the message was dropped, returned or handed back instead. The hold counts from <paramref name="received"/>.
    /// </summary>
    public async Task<bool> WaitAsync(Delivery delivery, TaskRequest request, DateTimeOffset eta, RateLimits rates, TaskDefinition definition, DateTimeOffset received)
    {
        int held = Interlocked.Increment(ref _held);
        try
        {
            if (held <= limit)
            {
                await delivery.HoldAsync().ConfigureAwait(false);
            }
            else if (Interlocked.Exchange(ref _warned, 1) == 0)
            {
                LogLimitReached(logger, limit);
            }

            using var bound = new CancellationTokenSource(HoldLeft(received));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(worker.Stopping, delivery.Lost, bound.Token);
            if (eta > DateTimeOffset.UtcNow)
            {
                _waiting[delivery] = request;
            }

            for (TimeSpan wait = eta - DateTimeOffset.UtcNow; wait > TimeSpan.Zero; wait = eta - DateTimeOffset.UtcNow)
            {
                await Task.Delay(wait < MaxDelayStep ? wait : MaxDelayStep, linked.Token).ConfigureAwait(false);
            }

            _waiting.TryRemove(delivery, out _);
            worker.Reserved[delivery] = request;

            await rates.WaitAsync(definition, linked.Token).ConfigureAwait(false);

            await worker.Slots.WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            if (delivery.Lost.IsCancellationRequested)
            {
                // Running it now would run it twice: the broker has it back and hands it out again.
                LogDroppedLost(logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            }
            else if (!worker.Stopping.IsCancellationRequested)
            {
                await HandBackAsync(delivery, request).ConfigureAwait(false);
            }
            else
            {
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            }

            return false;
        }
        finally
        {
            _waiting.TryRemove(delivery, out _);
            worker.Reserved.TryRemove(delivery, out _);
            if (Interlocked.Decrement(ref _held) < limit)
            {
                Volatile.Write(ref _warned, 0);
            }
        }
    }

    /// <summary>How much longer a message received at <paramref name="received"/> may be held; zero once its time is up.</summary>
    public TimeSpan HoldLeft(DateTimeOffset received)
    {
        TimeSpan left = received + maxHold - DateTimeOffset.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// Ends a hold that reached <c>WorkerMaxHoldTime</c>: publishes an identical copy of the message to its queue,
    /// confirmed, then acknowledges the original, so the copy's wait starts afresh on a new delivery. A copy that
    /// cannot be sent leaves the original to be requeued.
    /// </summary>
    public async ValueTask HandBackAsync(Delivery delivery, TaskRequest request)
    {
        // A requeue would do the same in one step, but on a quorum queue every requeue counts against the delivery
        // limit (20 by default in RabbitMQ 4), which would dead-letter a task held only for its ETA or rate limit
        // after about five hours. A new message starts at zero.
        if (delivery.Lost.IsCancellationRequested)
        {
            LogDroppedLost(logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            return;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, object?>(delivery.Message.Headers, StringComparer.Ordinal);
        TransportMessage copy = TaskMessageCopy.Create(worker, delivery, request, headers, request.Eta, now);
        try
        {
            await worker.Publisher.PublishAsync(copy, request.Id, request.Name, delivery.Queue, SendKind.Copy, worker.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The original is still unacknowledged: back on its queue it stays at least once, at one delivery's cost.
            LogHandBackFailed(logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name), delivery.Queue);
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            return;
        }

        await delivery.AckAsync().ConfigureAwait(false);
        LogHandedBack(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), maxHold.TotalSeconds, delivery.Queue);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId} ({TaskName}), held {Seconds:0.###} s (WorkerMaxHoldTime), goes back to queue {Queue} as a fresh message, before the broker's consumer_timeout closes its channel.")]
    private static partial void LogHandedBack(ILogger logger, string taskId, string taskName, double seconds, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}), held past WorkerMaxHoldTime, could not be sent back to queue {Queue}; it is requeued instead.")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception, string taskId, string taskName, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}), held for its ETA, is dropped: its channel is gone and the broker delivers it again.")]
    private static partial void LogDroppedLost(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Limit} tasks are held for their ETA (WorkerEtaTaskLimit): this worker takes no further messages beyond its prefetch window until some come due.")]
    private static partial void LogLimitReached(ILogger logger, int limit);
}
