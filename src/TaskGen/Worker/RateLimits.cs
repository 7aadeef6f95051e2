using System;
using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace TaskGen.Worker;

/// <summary>
/// One token bucket per rate-limited task on this worker, as Celery keeps one per task type: limits are per
/// worker, so a cluster runs a task at most its rate times the number of workers.
/// </summary>
internal sealed class RateLimits : IDisposable
{
    // Below this, a timer that refills one token at a time would fire too often to keep its pace; faster rates
    // refill several tokens this often instead, allowing that many runs at once at the start of a period.
    private static readonly TimeSpan MinRefill = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);

    /// <summary>The bucket of <paramref name="definition"/>'s task, or null when it has no rate limit.</summary>
    public RateLimiter? For(TaskDefinition definition) =>
        definition.Policy.Rate is { } rate ? _limiters.GetOrAdd(definition.Name, static (_, r) => Create(r), rate) : null;

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
        foreach (RateLimiter limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
