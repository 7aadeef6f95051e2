using System;
using System.Collections.Concurrent;
using TaskGen;

namespace TaskGen.Tests.EndToEnd;

/// <summary>One run of a retrying task, as the task itself saw it.</summary>
/// <param name="Retries">The run's retry count.</param>
/// <param name="Eta">The run's ETA, or null for the first run.</param>
/// <param name="Started">When the run's code started.</param>
public sealed record Attempt(int Retries, DateTimeOffset? Eta, DateTimeOffset Started);

/// <summary>Tasks that fail on purpose, for the retry tests; each records its runs under the key it is given.</summary>
public static class RetryTasks
{
    /// <summary>The runs of each key, in the order they started.</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<Attempt>> Attempts = new();

    /// <summary>Times out until it has been retried <paramref name="failures"/> times, then returns <paramref name="value"/>.</summary>
    [Task(MaxRetries = 3, RetryFor = new[] { typeof(TimeoutException) }, RetryBackoff = 0.05, RetryJitter = false)]
    public static int FailThenSucceed(string key, int failures, int value, TaskContext context)
    {
        Note(key, context);
        return context.Retries < failures ? throw new TimeoutException($"attempt {context.Retries} timed out") : value;
    }

    /// <summary>Throws an exception its policy does not retry.</summary>
    [Task(MaxRetries = 3, RetryFor = new[] { typeof(TimeoutException) }, RetryBackoff = 0.01)]
    public static int FailWithoutRetry(string key, TaskContext context)
    {
        Note(key, context);
        throw new ArgumentException("not a transient error");
    }

    /// <summary>Asks for a retry itself, with or without a reason.</summary>
    [Task(MaxRetries = 1, DefaultRetryDelay = 0.01)]
    public static int RetryExplicitly(string key, bool withReason, TaskContext context)
    {
        Note(key, context);
        throw context.Retry(exception: withReason ? new InvalidOperationException("not ready yet") : null);
    }

    /// <summary>Runs at most 1 per hour on a worker, so a second call waits for as long as a test lasts.</summary>
    [Task(RateLimit = "1/h")]
    public static int Hourly(int value) => value;

    private static void Note(string key, TaskContext context) =>
        Attempts.GetOrAdd(key, _ => new ConcurrentQueue<Attempt>()).Enqueue(new Attempt(context.Retries, context.Eta, DateTimeOffset.UtcNow));
}
