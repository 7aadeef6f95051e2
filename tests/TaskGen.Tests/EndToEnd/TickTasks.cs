using System;
using System.Collections.Concurrent;

namespace TaskGen.Tests.EndToEnd;

/// <summary>Tasks whose runs the tick-claim tests count.</summary>
public static class TickTasks
{
    /// <summary>How many times each key ran.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new(StringComparer.Ordinal);

    /// <summary>Counts a run of <paramref name="key"/>.</summary>
    [Task]
    public static void CountRun(string key) => Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);

    /// <summary>Counts a run of <paramref name="key"/> and asks for one retry on the first.</summary>
    [Task]
    public static void CountThenRetryOnce(string key, TaskContext context)
    {
        Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (context.Retries == 0)
        {
            throw context.Retry(TimeSpan.Zero);
        }
    }
}
