using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// Reads a queue one message at a time, for tools that browse a queue (the dead letters): each message stays the
/// reader's until it is moved, passed or settled, and disposing the reader returns the unsettled ones.
/// </summary>
/// <remarks>
/// A message handed back unsettled counts as a delivery, and RabbitMQ drops a quorum queue's message once it has
/// been delivered more often than its delivery limit (20 by default on RabbitMQ 4). So a tool leaves a message in
/// place with <see cref="PassAsync"/>, which never returns it, rather than by leaving it unsettled.
/// </remarks>
internal interface IQueueReader : IAsyncDisposable
{
    /// <summary>The queue being read.</summary>
    string Queue { get; }

    /// <summary>
    /// Takes the next ready message (AMQP <c>basic.get</c> without auto-ack), or returns null when none is ready.
    /// When the connection was lost, this waits for it to come back, and the deliveries taken before are void.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes <paramref name="message"/> and waits for the broker's confirm, then acknowledges
    /// <paramref name="delivery"/>: the message is never in neither place, and the outcome says whether it may be in both.
    /// </summary>
    /// <param name="delivery">A delivery this reader took.</param>
    /// <param name="message">What to publish in its stead (mandatory and confirmed, whatever it says).</param>
    /// <param name="cancellationToken">Cancels waiting for the confirm.</param>
    ValueTask<MoveOutcome> MoveAsync(Delivery delivery, TransportMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Leaves <paramref name="delivery"/>'s message in the queue without the broker counting a return: an identical
    /// copy goes to the queue's tail, confirmed, before the one taken is acknowledged.
    /// </summary>
    /// <param name="delivery">A delivery this reader took.</param>
    /// <param name="cancellationToken">Cancels waiting for the confirm.</param>
    ValueTask<MoveOutcome> PassAsync(Delivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a round trip to the broker and says whether every acknowledgement sent so far reached it; false when the
    /// connection was lost since the last one, whose message may then be back in the queue.
    /// </summary>
    /// <param name="cancellationToken">Cancels the round trip.</param>
    ValueTask<bool> SettledAsync(CancellationToken cancellationToken);
}

/// <summary>How <see cref="IQueueReader.MoveAsync"/> or <see cref="IQueueReader.PassAsync"/> ended.</summary>
internal enum MoveOutcome
{
    /// <summary>The copy is confirmed and the message taken is acknowledged.</summary>
    Moved,

    /// <summary>The copy is confirmed, but the connection was lost around the acknowledgement: the message may be back in the queue too.</summary>
    CopiedNotRemoved,

    /// <summary>The connection was lost while the copy awaited its confirm: the message is back in the queue, and the copy may or may not exist.</summary>
    Unconfirmed,

    /// <summary>The connection was lost before anything was published: the message is back in the queue, untouched.</summary>
    NotSent,

    /// <summary>No queue took the copy (its destination does not exist); the message taken is still the reader's.</summary>
    NotRouted,

    /// <summary>The broker refused the copy (a nack); the message taken is still the reader's.</summary>
    Refused,
}
