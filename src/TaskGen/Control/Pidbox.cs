using System;
using TaskGen.Transport;

namespace TaskGen.Control;

/// <summary>
/// The names and flags of Celery's remote-control mailbox (kombu's pidbox), so that <c>celery status</c>
/// sees TaskGen workers and TaskGen's <c>status</c> sees Python workers.
/// </summary>
internal static class Pidbox
{
    /// <summary>The fanout exchange requests are published to.</summary>
    public const string Exchange = "celery.pidbox";

    /// <summary>The direct exchange replies are published to.</summary>
    public const string ReplyExchange = "reply.celery.pidbox";

    /// <summary>How long an unused mailbox queue lives (Celery's <c>control_queue_expires</c>).</summary>
    public static readonly TimeSpan QueueExpires = TimeSpan.FromSeconds(10);

    /// <summary>How long a request or reply waits in a mailbox queue (Celery's <c>control_queue_ttl</c>).</summary>
    public static readonly TimeSpan MessageTtl = TimeSpan.FromSeconds(300);

    /// <summary>The request exchange, declared with kombu's flags (fanout, not durable).</summary>
    public static ExchangeSpecification RequestExchange { get; } = new(Exchange, ExchangeKind.Fanout, Durable: false);

    /// <summary>The reply exchange, declared with kombu's flags (direct, not durable).</summary>
    public static ExchangeSpecification ReplyExchangeSpecification { get; } = new(ReplyExchange, ExchangeKind.Direct, Durable: false);

    /// <summary>The mailbox queue of the node <paramref name="nodeName"/>.</summary>
    /// <param name="nodeName">The node name, <c>name@host</c>.</param>
    /// <remarks>
    /// Exclusive, as Celery's <c>control_queue_exclusive</c> makes it: RabbitMQ 4 deprecates (and later refuses)
    /// transient queues that are not exclusive, and only the node itself ever declares its mailbox.
    /// </remarks>
    public static QueueSpecification NodeQueue(string nodeName) =>
        new($"{nodeName}.celery.pidbox", Durable: false, Exclusive: true, AutoDelete: true, Expires: QueueExpires, MessageTtl: MessageTtl);

    /// <summary>The reply queue of the client <paramref name="clientId"/>.</summary>
    /// <param name="clientId">The client's id, also the routing key of its replies.</param>
    /// <remarks>Exclusive for the same reason as <see cref="NodeQueue"/>: only the client that waits for replies declares it.</remarks>
    public static QueueSpecification ReplyQueue(string clientId) =>
        new($"{clientId}.{ReplyExchange}", Durable: false, Exclusive: true, AutoDelete: true, Expires: QueueExpires, MessageTtl: MessageTtl);
}
