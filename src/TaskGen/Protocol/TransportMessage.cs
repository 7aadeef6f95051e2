using System;
using System.Collections.Generic;

namespace TaskGen.Protocol;

/// <summary>A message as a transport carries it: where it goes, its properties, headers and body.</summary>
internal sealed class TransportMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="exchange">The exchange; empty for the default exchange.</param>
    /// <param name="routingKey">The routing key.</param>
    /// <param name="properties">The message properties.</param>
    /// <param name="headers">The application headers.</param>
    /// <param name="body">The body bytes.</param>
    public TransportMessage(string exchange, string routingKey, MessageProperties properties, IDictionary<string, object?> headers, ReadOnlyMemory<byte> body)
    {
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Headers = headers;
        Body = body;
    }

    /// <summary>The exchange; empty for the default exchange.</summary>
    public string Exchange { get; }

    /// <summary>The routing key.</summary>
    public string RoutingKey { get; }

    /// <summary>The message properties.</summary>
    public MessageProperties Properties { get; }

    /// <summary>
    /// The application headers. Values are strings, numbers, booleans, null, lists of these, or UTF-8
    /// <see cref="byte"/> arrays (how AMQP long strings arrive).
    /// </summary>
    public IDictionary<string, object?> Headers { get; }

    /// <summary>The body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// Whether the broker must return the message when no queue receives it. True for tasks and results,
    /// so that nothing is lost silently; false for events and remote control, which may have no listener.
    /// </summary>
    public bool Mandatory { get; init; } = true;

    /// <summary>
    /// Whether publishing waits for the broker's confirmation. True for tasks, and for results unless
    /// <c>WorkerConfirmResults</c> is off; such results go, as Celery sends them, unconfirmed on a channel
    /// that only results use.
    /// </summary>
    public bool Confirm { get; init; } = true;

    /// <summary>
    /// Whether the message may be lost without anyone waiting for it (events): unconfirmed best-effort
    /// messages share a channel of their own, so a missing <c>celeryev</c> exchange never costs a result.
    /// </summary>
    public bool BestEffort { get; init; }

    /// <summary>
    /// Whether the destination came from a message anyone on the broker could send (a remote-control
    /// <c>reply_to</c>): such publishes go on a channel of their own, so that a missing exchange closes only
    /// that channel and never costs a result or a task.
    /// </summary>
    public bool Untrusted { get; init; }
}
