using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen;

/// <content>Broadcasts: one call that every worker bound to a broadcast queue runs, each reply kept by worker name.</content>
public sealed partial class TaskApp
{
    /// <summary>
    /// Sends a task to a broadcast queue without waiting: every worker bound to the queue runs it, and the
    /// result collects one reply per worker. Publishing continues in the background.
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="signature">The call; its queue must be a broadcast queue.</param>
    /// <exception cref="TaskRoutingException">The queue is not declared.</exception>
    /// <exception cref="InvalidOperationException">The queue is not a broadcast queue, or the app has no result backend.</exception>
    public BroadcastResult<TResult> Broadcast<TResult>(Signature<TResult> signature) => (BroadcastResult<TResult>)Broadcast((Signature)signature);

    /// <summary>Sends a task without a result value to a broadcast queue; see <see cref="Broadcast{TResult}(Signature{TResult})"/>.</summary>
    /// <param name="signature">The call; its queue must be a broadcast queue.</param>
    public BroadcastResult Broadcast(Signature signature)
    {
        (TaskEnvelope envelope, QueueDeclaration queue, BroadcastResult result) = PrepareBroadcast(signature);
        _ = PublishInBackgroundAsync(envelope, queue, result);
        return result;
    }

    /// <summary>Sends a task to a broadcast queue and completes once the broker has confirmed it.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="signature">The call; its queue must be a broadcast queue.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads take the typed and the untyped signature, so no call is ambiguous; the token is optional as on every async API.")]
    public async Task<BroadcastResult<TResult>> BroadcastAsync<TResult>(Signature<TResult> signature, CancellationToken cancellationToken = default) =>
        (BroadcastResult<TResult>)await BroadcastAsync((Signature)signature, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a task without a result value to a broadcast queue and completes once the broker has confirmed it.</summary>
    /// <param name="signature">The call; its queue must be a broadcast queue.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads take the typed and the untyped signature, so no call is ambiguous; the token is optional as on every async API.")]
    public async Task<BroadcastResult> BroadcastAsync(Signature signature, CancellationToken cancellationToken = default)
    {
        (TaskEnvelope envelope, QueueDeclaration queue, BroadcastResult result) = PrepareBroadcast(signature);
        try
        {
            await PublishAsync(envelope, queue, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageNotRoutedException)
        {
            BroadcastReachedNobody(envelope, queue, result);
        }
        catch
        {
            StopWaiting(result);
            throw;
        }

        return result;
    }

    private (TaskEnvelope, QueueDeclaration, BroadcastResult) PrepareBroadcast(Signature signature)
    {
        if (_results is null)
        {
            throw new InvalidOperationException("A broadcast collects replies through the result backend, and this app has none (ResultBackend is 'none').");
        }

        (TaskEnvelope envelope, QueueDeclaration queue) = CreateEnvelope(signature, ignoreResult: false);
        if (!queue.Broadcast)
        {
            throw new InvalidOperationException($"Queue '{queue.Name}' is not a broadcast queue: declare it with [assembly: TaskQueue(\"{queue.Name}\", Broadcast = true)], or send with Send/SendAsync.");
        }

        BroadcastResult result = signature.CreateBroadcastResult(envelope.Id, _results.Release);
        _results.Register(result);
        return (envelope, queue, result);
    }

    /// <summary>
    /// A broadcast that no worker's queue is bound to is not an error, only an empty answer (there is no one
    /// to ask yet); the warning says what to start so that one answers next time.
    /// </summary>
    private void BroadcastReachedNobody(TaskEnvelope envelope, QueueDeclaration queue, BroadcastResult result)
    {
        LogBroadcastReachedNobody(_logger, envelope.Id, envelope.Name, queue.Name);
        _results?.Release(result);
        result.CompleteReachedNoWorker();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broadcast task {TaskId} ({TaskName}) reached no worker: no worker is bound to broadcast queue '{Queue}'. Start a worker bound to it (worker -Q {Queue}); the broadcast's result is empty.")]
    private static partial void LogBroadcastReachedNobody(ILogger logger, string taskId, string taskName, string queue);
}
