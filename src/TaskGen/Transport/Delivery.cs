using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>A message handed to a consumer, to be acknowledged or rejected exactly once.</summary>
internal abstract class Delivery
{
    /// <summary>Creates a delivery of <paramref name="message"/> from <paramref name="queue"/>.</summary>
    /// <param name="message">The message. Its body must stay valid until the delivery is settled.</param>
    /// <param name="queue">The queue it was consumed from.</param>
    /// <param name="redelivered">Whether the broker delivered it before.</param>
    protected Delivery(TransportMessage message, string queue, bool redelivered)
    {
        Message = message;
        Queue = queue;
        Redelivered = redelivered;
    }

    /// <summary>The message.</summary>
    public TransportMessage Message { get; }

    /// <summary>The queue the message was consumed from.</summary>
    public string Queue { get; }

    /// <summary>Whether the broker delivered the message before (a previous consumer did not ack it).</summary>
    public bool Redelivered { get; }

    /// <summary>Acknowledges the message: the broker forgets it.</summary>
    public abstract ValueTask AckAsync();

    /// <summary>
    /// Cancelled when the channel that delivered the message is gone: the broker has taken the message back
    /// and will deliver it again, so whoever holds this delivery must drop it, and settling it does nothing.
    /// </summary>
    public virtual CancellationToken Lost => CancellationToken.None;

    /// <summary>
    /// Says the message will be held (until its ETA) rather than worked on, so that it stops counting against
    /// the consumer's prefetch window and messages behind it keep coming.
    /// </summary>
    public virtual ValueTask HoldAsync() => ValueTask.CompletedTask;

    /// <summary>Rejects the message; without requeue the broker dead-letters or drops it.</summary>
    /// <param name="requeue">Whether to put the message back on its queue.</param>
    public abstract ValueTask RejectAsync(bool requeue);
}
