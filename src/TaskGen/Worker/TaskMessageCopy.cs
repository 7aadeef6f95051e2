using System;
using System.Collections.Generic;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// A task message sent again to the queue it came from, as a retry or a long hold hands it back: the same body and
/// properties, what is left of its time to live, and on a quorum queue with delay levels an ETA a second or more away
/// waiting in the broker rather than in a worker.
/// </summary>
internal static class TaskMessageCopy
{
    /// <summary>Addresses a copy of <paramref name="delivery"/>'s message with <paramref name="headers"/>.</summary>
    /// <param name="worker">Whose queues have delay levels.</param>
    /// <param name="delivery">The message copied.</param>
    /// <param name="request">Its decoded request, for its expiry.</param>
    /// <param name="headers">The copy's headers.</param>
    /// <param name="eta">When the copy is due, or null when it is due now.</param>
    /// <param name="now">The time the copy's time to live and delay count from.</param>
    public static TransportMessage Create(WorkerContext worker, Delivery delivery, TaskRequest request, IDictionary<string, object?> headers, DateTimeOffset? eta, DateTimeOffset now)
    {
        TransportMessage original = delivery.Message;
        MessageProperties from = original.Properties;
        var properties = new MessageProperties
        {
            CorrelationId = from.CorrelationId,
            ReplyTo = from.ReplyTo,
            ContentType = from.ContentType,
            ContentEncoding = from.ContentEncoding,
            DeliveryMode = from.DeliveryMode,
            Priority = from.Priority,

            // What is left of its time to live, not the whole of it again.
            Expiration = request.Expires is { } expires ? TaskMessageCodec.Expiration(expires - now) : null,
        };

        // The default exchange with the queue's name reaches the queue whichever exchange the first send used.
        (string exchange, string routingKey) = DelayedDelivery.Address(delivery.Queue, broadcast: false, worker.DelayedQueues.Contains(delivery.Queue), eta, now);
        return new TransportMessage(exchange, routingKey, properties, headers, original.Body);
    }
}
