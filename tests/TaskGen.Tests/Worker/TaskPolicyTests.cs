using System;
using System.Threading.RateLimiting;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>The policy's arithmetic: Celery's backoff formula, its rate syntax, and the token buckets built from it.</summary>
public sealed class TaskPolicyTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(9, 512)]
    [InlineData(10, 600)]
    [InlineData(5000, 600)]
    public void WithoutJitterTheBackoffDoublesPerRetryUpToItsMaximum(int retries, double seconds)
    {
        var policy = new TaskPolicy { RetryBackoff = TimeSpan.FromSeconds(1), RetryJitter = false };

        Assert.Equal(TimeSpan.FromSeconds(seconds), policy.BackoffDelay(retries, new Random(1)));
    }

    [Fact]
    public void WithJitterEachBackoffIsDrawnBetweenZeroAndItsValue()
    {
        var policy = new TaskPolicy { RetryBackoff = TimeSpan.FromSeconds(2), RetryBackoffMax = TimeSpan.FromSeconds(30) };
        var random = new Random(7);
        var seen = new System.Collections.Generic.HashSet<TimeSpan>();
        for (int i = 0; i < 200; i++)
        {
            TimeSpan delay = policy.BackoffDelay(3, random);
            Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(16));
            seen.Add(delay);
        }

        Assert.True(seen.Count > 100, "Jittered delays should differ from one another.");
    }

    [Fact]
    public void WithoutABackoffEveryRetryWaitsTheDefaultDelay()
    {
        var policy = new TaskPolicy { DefaultRetryDelay = TimeSpan.FromSeconds(42) };

        Assert.Equal(TimeSpan.FromSeconds(42), policy.BackoffDelay(0, Random.Shared));
        Assert.Equal(TimeSpan.FromSeconds(42), policy.BackoffDelay(7, Random.Shared));
        Assert.Equal(TimeSpan.FromSeconds(180), TaskPolicy.Default.BackoffDelay(2, Random.Shared));
    }

    [Theory]
    [InlineData("10/s", 10, 1)]
    [InlineData("100/m", 100, 60)]
    [InlineData("5/h", 5, 3600)]
    [InlineData("20", 20, 1)]
    [InlineData(" 0.5 / s ", 0.5, 1)]
    public void CeleryRatesParse(string text, double runs, double perSeconds)
    {
        (double Runs, TimeSpan Per) rate = TaskPolicy.ParseRate(text);

        Assert.Equal(runs, rate.Runs);
        Assert.Equal(TimeSpan.FromSeconds(perSeconds), rate.Per);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ten/s")]
    [InlineData("10/d")]
    [InlineData("0/s")]
    [InlineData("-1/s")]
    [InlineData("10/")]
    [InlineData("1e3/s")]
    public void AnythingElseIsRefusedWithTheFormsThatWork(string text)
    {
        FormatException refused = Assert.Throws<FormatException>(() => TaskPolicy.ParseRate(text));

        Assert.Contains("\"10/s\"", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APolicyWithABadRateIsRefusedWhenBuilt()
    {
        Assert.Throws<FormatException>(() => new TaskPolicy { RateLimit = "fast" });
    }

    [Theory]
    [InlineData("10/s", 1)]
    [InlineData("1/h", 1)]
    [InlineData("1000/s", 100)]
    [InlineData("100000/m", 167)]
    public void ABucketHoldsOneRunOrOneRefillsWorthForFastRates(string text, int tokens)
    {
        using TokenBucketRateLimiter bucket = RateLimits.Create(TaskPolicy.ParseRate(text));

        Assert.Equal(tokens, bucket.GetStatistics()!.CurrentAvailablePermits);
    }

    [Fact]
    public void ASlowBucketGrantsOneRunThenMakesTheNextWait()
    {
        using TokenBucketRateLimiter bucket = RateLimits.Create(TaskPolicy.ParseRate("1/h"));

        using RateLimitLease first = bucket.AttemptAcquire(1);
        using RateLimitLease second = bucket.AttemptAcquire(1);

        Assert.True(first.IsAcquired);
        Assert.False(second.IsAcquired);
    }
}
