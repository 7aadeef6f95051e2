using System;
using System.Threading;

namespace TaskGen.Worker;

/// <summary>
/// The cancellation of one run: fired by its time limits, by the worker's abort at shutdown, or by remote control's
/// <c>revoke</c> with <c>terminate</c>. A .NET task cannot be killed as Celery kills a pool process, so terminating is
/// cooperative: the task's token is cancelled, and the run is reported REVOKED however its code ends.
/// </summary>
internal sealed class RunCancellation : IDisposable
{
    private volatile bool _terminated;

    public RunCancellation(CancellationToken abort) => Source = CancellationTokenSource.CreateLinkedTokenSource(abort);

    /// <summary>The source of the task's token.</summary>
    public CancellationTokenSource Source { get; }

    /// <summary>Whether remote control terminated the run.</summary>
    public bool Terminated => _terminated;

    /// <summary>Marks the run terminated and cancels its token; false when it had ended already.</summary>
    public bool Terminate()
    {
        _terminated = true;
        try
        {
            Source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => Source.Dispose();
}
