using System;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>Hears what happens to each task on a worker (Celery's task events); it must never throw.</summary>
internal interface ITaskObserver
{
    ValueTask TaskReceivedAsync(TaskRequest request);

    ValueTask TaskStartedAsync(TaskRequest request);

    ValueTask TaskSucceededAsync(TaskRequest request, ReadOnlyMemory<byte> resultJson, TimeSpan runtime);

    ValueTask TaskFailedAsync(TaskRequest request, RemoteException exception, string? traceback);

    ValueTask TaskRetriedAsync(TaskRequest request, RemoteException exception, string? traceback);

    /// <summary>A task revoked before it ran, expired, or terminated while it ran (Celery's <c>task-revoked</c>).</summary>
    ValueTask TaskRevokedAsync(TaskRequest request, bool terminated, bool expired) => ValueTask.CompletedTask;
}
