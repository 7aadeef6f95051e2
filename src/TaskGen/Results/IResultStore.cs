using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Results;

/// <summary>
/// The worker's half of a result backend: stores (or sends) one state of a task so that its caller can read
/// it. A worker acknowledges a task only after this completes, so every failure the backend can report (a
/// result too large, a refused or unconfirmed publish) is known before the acknowledgement.
/// </summary>
internal interface IResultStore
{
    /// <summary>
    /// Whether states are stored by task id (a durable backend), so a task is answered even when its message names
    /// no <c>reply_to</c>: the worker's own backend decides, as in Celery, not the message.
    /// </summary>
    bool StoresById { get; }

    /// <summary>Stores a state of a task.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="replyTo">Where the caller listens (<c>reply_to</c>), for backends that send rather than store.</param>
    /// <param name="state">The state.</param>
    /// <param name="resultJson">The result value, or the encoded exception for a failure; a success may carry its message already written.</param>
    /// <param name="traceback">The traceback of a failure.</param>
    /// <param name="broadcastNode">This worker's node name when the task came from a broadcast queue, so that a backend storing by id keeps each worker's reply; null otherwise.</param>
    /// <param name="cancellationToken">Cancels storing.</param>
    /// <exception cref="Transport.MessageNotRoutedException">Nobody listens at <paramref name="replyTo"/> any more.</exception>
    ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken);
}
