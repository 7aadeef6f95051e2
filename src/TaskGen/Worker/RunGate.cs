using System;

namespace TaskGen.Worker;

/// <summary>Why a delivery that has its slot may not start.</summary>
internal enum GateVerdict
{
    /// <summary>It may start.</summary>
    Open,

    /// <summary>The channel that delivered it is gone: the broker hands it out again, so it is dropped unanswered.</summary>
    Lost,

    /// <summary>The worker began to stop while it waited for a slot: it goes back to the queue unstarted.</summary>
    Stopping,

    /// <summary>It was revoked: answered REVOKED without running.</summary>
    Revoked,

    /// <summary>Its <c>expires</c> has passed: answered REVOKED without running, as Celery does.</summary>
    Expired,
}

/// <summary>The first step of a run: whether the delivery may start at all, decided before anything is acknowledged.</summary>
internal static class RunGate
{
    public static GateVerdict Check(TaskRunContext run, WorkerContext worker)
    {
        if (run.Delivery.Lost.IsCancellationRequested)
        {
            return GateVerdict.Lost;
        }

        // A stop waits only for what had started, so a slot that came free after it began must not start a task.
        if (worker.Stopping.IsCancellationRequested)
        {
            return GateVerdict.Stopping;
        }

        if (worker.Revoked.Contains(run.Request.Id, Environment.TickCount64))
        {
            return GateVerdict.Revoked;
        }

        return run.Request.Expires is { } expires && expires <= DateTimeOffset.UtcNow ? GateVerdict.Expired : GateVerdict.Open;
    }
}
