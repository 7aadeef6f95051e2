using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Transport;

/// <summary>
/// The seam between TaskGen and a message broker: everything the app, the worker and the result
/// backend need, and nothing about how a broker does it.
/// </summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>A description of the broker for logs and <c>inspect stats</c>; never contains a password.</summary>
    string Description { get; }

    /// <summary>Declares what routing to a task queue needs (the exchange, queue and binding, or the fanout exchange).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the declaration.</param>
    ValueTask DeclareTaskQueueAsync(QueueDeclaration queue, CancellationToken cancellationToken);

    /// <summary>Declares a queue private to this process (a reply queue, a worker's broadcast queue) and returns its name.</summary>
    /// <param name="name">The queue name, or null to let the transport choose one.</param>
    /// <param name="bindToFanout">A fanout exchange to bind the queue to, or null.</param>
    /// <param name="cancellationToken">Cancels the declaration.</param>
    ValueTask<string> DeclarePrivateQueueAsync(string? name, string? bindToFanout, CancellationToken cancellationToken);

    /// <summary>Publishes a message and completes once the broker has confirmed it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting for the confirmation.</param>
    /// <exception cref="MessageNotRoutedException">No queue is bound to receive the message.</exception>
    ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken);

    /// <summary>Starts consuming <paramref name="queue"/>; dispose the result to stop.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="prefetch">How many unacknowledged messages the consumer may hold.</param>
    /// <param name="autoAck">Whether messages count as acknowledged once delivered (replies, remote control).</param>
    /// <param name="handler">Receives each delivery; deliveries to one consumer arrive one at a time.</param>
    /// <param name="cancellationToken">Cancels starting the consumer.</param>
    ValueTask<IAsyncDisposable> ConsumeAsync(string queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler, CancellationToken cancellationToken);

    /// <summary>Returns how many consumers <paramref name="queue"/> has, or null when it does not exist.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Removes every ready message from <paramref name="queue"/> and returns how many there were.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken);
}
