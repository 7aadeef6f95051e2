using System;
using System.Collections.Concurrent;

namespace TaskGen.Worker;

/// <summary>
/// Time limits per task type set at run time by remote control's <c>time_limit</c>, as Celery sets a task's
/// <c>time_limit</c> and <c>soft_time_limit</c>: a message's own <c>timelimit</c> header still comes first, and
/// these fill in the limits it leaves unset.
/// </summary>
internal sealed class TaskTimeLimits
{
    private readonly ConcurrentDictionary<string, (double? Hard, double? Soft)> _limits = new(StringComparer.Ordinal);

    // Until a limit is set, a run costs no lookup.
    private volatile bool _any;

    /// <summary>Sets the hard and soft limits of <paramref name="taskName"/> in seconds; null (or zero) clears one.</summary>
    public void Set(string taskName, double? hard, double? soft)
    {
        _limits[taskName] = (hard, soft);
        _any = true;
    }

    /// <summary>The limits a run of <paramref name="taskName"/> has: the message's, else the ones set here.</summary>
    public (double? Hard, double? Soft) For(string taskName, (double? Hard, double? Soft) fromMessage)
    {
        if (!_any || !_limits.TryGetValue(taskName, out (double? Hard, double? Soft) set))
        {
            return fromMessage;
        }

        // Celery reads a missing or zero limit in the message as unset: `time_limit or task.time_limit`.
        return (fromMessage.Hard is > 0 ? fromMessage.Hard : set.Hard, fromMessage.Soft is > 0 ? fromMessage.Soft : set.Soft);
    }
}
