using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// One delivery on its way through the run's steps (gate, early ack, timed dispatch, outcome, settle): what they
/// share, the slot it holds, whether its caller has an answer yet, and the telemetry and task events it reports.
/// </summary>
/// <remarks>
/// Telemetry and the event observer are told of each change of state here, in one place, so that a step says
/// what happened once and every listener hears it the same way.
/// </remarks>
internal sealed class TaskRunContext : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly ITaskObserver? _observer;
    private readonly Activity? _activity;
    private int _slot = 1;

    public TaskRunContext(Delivery delivery, TaskRequest request, TaskDefinition definition, WorkerContext worker)
    {
        Delivery = delivery;
        Request = request;
        Definition = definition;
        _slots = worker.Slots;
        _observer = worker.Observer;
        TaskGenTelemetry.LeftPrefetch(request.Name, delivery.Queue);
        _activity = TaskGenTelemetry.StartProcess(request, delivery.Queue);
    }

    public Delivery Delivery { get; }

    public TaskRequest Request { get; }

    /// <summary>The task's definition, as registered: its <see cref="TaskDefinition.Run"/> is always set.</summary>
    public TaskDefinition Definition { get; }

    /// <summary>Whether the caller can read an answer: from then on the message is acknowledged, never run again.</summary>
    public bool Answered { get; set; }

    /// <summary>Gives the concurrency slot back; only the first call does, so every step may call it when it is done with the slot.</summary>
    public void ReleaseSlot()
    {
        if (Interlocked.Exchange(ref _slot, 0) == 1)
        {
            _slots.Release();
        }
    }

    public ValueTask StartedAsync(DateTimeOffset readySince)
    {
        TaskGenTelemetry.Started(Request.Name, Delivery.Queue, readySince);
        return _observer?.TaskStartedAsync(Request) ?? ValueTask.CompletedTask;
    }

    public void Stopped() => TaskGenTelemetry.Stopped(Request.Name, Delivery.Queue);

    public void Revoked() => TaskGenTelemetry.SetOutcome(_activity, TaskState.Revoked, null);

    public ValueTask RevokedAsync(bool terminated, bool expired) =>
        _observer?.TaskRevokedAsync(Request, terminated, expired) ?? ValueTask.CompletedTask;

    /// <summary>A run that ended with an outcome for its caller (not a retry): counted, timed and traced.</summary>
    public void Finished(RemoteException? failure, TimeSpan runtime)
    {
        TaskGenTelemetry.Finished(Request.Name, Delivery.Queue, failure is null, runtime);
        TaskGenTelemetry.SetOutcome(_activity, failure is null ? TaskState.Success : TaskState.Failure, failure);
    }

    public ValueTask SucceededAsync(ReadOnlyMemory<byte> resultJson, TimeSpan runtime) =>
        _observer?.TaskSucceededAsync(Request, resultJson, runtime) ?? ValueTask.CompletedTask;

    public ValueTask FailedAsync(RemoteException failure, string? traceback) =>
        _observer?.TaskFailedAsync(Request, failure, traceback) ?? ValueTask.CompletedTask;

    public void Retried(TimeSpan runtime)
    {
        TaskGenTelemetry.Retried(Request.Name, Delivery.Queue, runtime);
        TaskGenTelemetry.SetOutcome(_activity, TaskState.Retry, null);
    }

    public ValueTask RetriedAsync(RemoteException reason, string? traceback) =>
        _observer?.TaskRetriedAsync(Request, reason, traceback) ?? ValueTask.CompletedTask;

    public void Error(Exception exception) => TaskGenTelemetry.SetError(_activity, exception);

    public void Dispose() => _activity?.Dispose();
}
