using System;
using System.Threading;
using System.Threading.RateLimiting;
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
/// message whose channel is lost is dropped at once: the broker delivers it again.
/// </summary>
internal sealed partial class EtaScheduler(WorkerContext worker, int limit, ILogger logger)
{
    // Task.Delay takes at most about 24.8 days; an ETA further off waits in steps.
    private static readonly TimeSpan MaxDelayStep = TimeSpan.FromDays(20);
    private int _held;
    private int _warned;

    /// <summary>How many messages wait for their ETA now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>
    /// Waits until <paramref name="eta"/>, then for a run of <paramref name="rate"/> when given, then for a slot;
    /// false when the message was dropped or returned instead.
    /// </summary>
    public async Task<bool> WaitAsync(Delivery delivery, TaskRequest request, DateTimeOffset eta, RateLimiter? rate)
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

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(worker.Stopping, delivery.Lost);
            for (TimeSpan wait = eta - DateTimeOffset.UtcNow; wait > TimeSpan.Zero; wait = eta - DateTimeOffset.UtcNow)
            {
                await Task.Delay(wait < MaxDelayStep ? wait : MaxDelayStep, linked.Token).ConfigureAwait(false);
            }

            if (rate is not null)
            {
                // The lease is only a count: a token bucket takes nothing back when it is disposed.
                using RateLimitLease lease = await rate.AcquireAsync(1, linked.Token).ConfigureAwait(false);
            }

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
            else
            {
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            }

            return false;
        }
        finally
        {
            if (Interlocked.Decrement(ref _held) < limit)
            {
                Volatile.Write(ref _warned, 0);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}), held for its ETA, is dropped: its channel is gone and the broker delivers it again.")]
    private static partial void LogDroppedLost(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Limit} tasks are held for their ETA (WorkerEtaTaskLimit): this worker takes no further messages beyond its prefetch window until some come due.")]
    private static partial void LogLimitReached(ILogger logger, int limit);
}
