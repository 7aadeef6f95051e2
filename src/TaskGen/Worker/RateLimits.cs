using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;

namespace TaskGen.Worker;

/// <summary>
/// One token bucket per rate-limited task on this worker, as Celery keeps one per task type: limits are per
/// worker, so a cluster runs a task at most its rate times the number of workers. Remote control's
/// <c>rate_limit</c> replaces a task's bucket at run time.
/// </summary>
internal sealed class RateLimits : IDisposable
{
    // Below this, a timer that refills one token at a time would fire too often to keep its pace; faster rates
    // refill several tokens this often instead, allowing that many runs at once at the start of a period.
    private static readonly TimeSpan MinRefill = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    // Set once any limit was changed at run time: until then a task without a declared rate costs no lookup.
    private volatile bool _changed;
    private volatile bool _disposed;

    /// <summary>The bucket of <paramref name="definition"/>'s task, or null when it has no rate limit.</summary>
    public RateLimiter? For(TaskDefinition definition) =>
        definition.Policy.Rate is null && !_changed
            ? null
            : _buckets.GetOrAdd(definition.Name, static (_, d) => new Bucket(d.Policy.Rate is { } r ? Create(r) : null), definition).Limiter;

    /// <summary>
    /// Replaces the rate of <paramref name="taskName"/> on this worker, null for none. Deliveries waiting on the old
    /// bucket move to the new one, so a faster rate (or none) lets them start at its pace.
    /// </summary>
    public void Set(string taskName, (double Runs, TimeSpan Per)? rate)
    {
        _changed = true;
        var bucket = new Bucket(rate is { } r ? Create(r) : null);
        Bucket? old = null;
        _buckets.AddOrUpdate(taskName, bucket, (_, previous) =>
        {
            old = previous;
            return bucket;
        });

        // Disposing fails the old bucket's queued waits, which then wait on the new bucket.
        old?.Limiter?.Dispose();
    }

    /// <summary>Takes a run of <paramref name="definition"/>'s rate now if one is free; true also when it has no limit.</summary>
    public bool TryTake(TaskDefinition definition)
    {
        while (For(definition) is { } limiter)
        {
            try
            {
                using RateLimitLease lease = limiter.AttemptAcquire(1);
                return lease.IsAcquired;
            }
            catch (ObjectDisposedException) when (!_disposed)
            {
                // Replaced while asked: the new bucket answers.
            }
        }

        return true;
    }

    /// <summary>Waits for a run of <paramref name="definition"/>'s rate, following the bucket when the rate is changed meanwhile.</summary>
    public async ValueTask WaitAsync(TaskDefinition definition, CancellationToken cancellationToken)
    {
        while (For(definition) is { } limiter)
        {
            try
            {
                // The lease is only a count: a token bucket takes nothing back when it is disposed.
                using RateLimitLease lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                if (lease.IsAcquired)
                {
                    return;
                }
            }
            catch (ObjectDisposedException) when (!_disposed)
            {
                // Replaced before the wait began.
            }

            if (_disposed)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <summary>A bucket that starts full and refills at <paramref name="rate"/>, with at most one refill's tokens banked.</summary>
    internal static TokenBucketRateLimiter Create((double Runs, TimeSpan Per) rate)
    {
        TimeSpan interval = rate.Per / rate.Runs;
        int tokens = interval >= MinRefill ? 1 : (int)Math.Min(int.MaxValue, Math.Ceiling(MinRefill / interval));
        TimeSpan period = interval * tokens;
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (Bucket bucket in _buckets.Values)
        {
            bucket.Limiter?.Dispose();
        }
    }

    /// <summary>A task's bucket, or none: a task whose limit was removed at run time keeps an empty entry.</summary>
    private sealed record Bucket(RateLimiter? Limiter);
}
