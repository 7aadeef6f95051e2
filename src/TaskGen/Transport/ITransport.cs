using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// The seam between TaskGen and a message broker: AMQP's few primitives (exchanges, queues, bindings,
/// confirmed publishing, consuming), so that tasks, results, remote control and events all run over
/// RabbitMQ or the in-memory broker alike.
/// </summary>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>A description of the broker for logs and <c>inspect stats</c>; never contains a password.</summary>
    string Description { get; }

    /// <summary>Declares an exchange; declaring an existing one with the same flags has no effect.</summary>
    /// <param name="exchange">The exchange.</param>
    /// <param name="cancellationToken">Cancels the declaration.</param>
    ValueTask DeclareExchangeAsync(ExchangeSpecification exchange, CancellationToken cancellationToken);

    /// <summary>Declares a queue and returns its name (chosen by the broker when the specification has none).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the declaration.</param>
    ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken);

    /// <summary>Binds a queue to an exchange with a routing key (ignored by fanout exchanges).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="exchange">The exchange.</param>
    /// <param name="routingKey">The binding key.</param>
    /// <param name="cancellationToken">Cancels the binding.</param>
    ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken);

    /// <summary>
    /// Binds exchange <paramref name="destination"/> to exchange <paramref name="source"/> (RabbitMQ's exchange-to-exchange
    /// binding), which kombu's native delayed delivery is built from.
    /// </summary>
    /// <param name="destination">The exchange that receives.</param>
    /// <param name="source">The exchange messages come from.</param>
    /// <param name="routingKey">The binding key.</param>
    /// <param name="cancellationToken">Cancels the binding.</param>
    /// <exception cref="NotSupportedException">The transport has no exchange-to-exchange bindings.</exception>
    ValueTask BindExchangeAsync(string destination, string source, string routingKey, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} cannot bind an exchange to an exchange.");

    /// <summary>
    /// Whether ETA tasks on quorum queues wait in the broker, in kombu's <c>celery_delayed_*</c> exchanges and queues,
    /// rather than in a worker's memory: true for RabbitMQ only.
    /// </summary>
    bool SupportsNativeDelayedDelivery => false;

    /// <summary>Publishes a message and completes once the broker has confirmed it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting for the confirmation.</param>
    /// <exception cref="MessageNotRoutedException">The message is mandatory and no queue received it.</exception>
    ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken);

    /// <summary>Starts a consumer as <paramref name="consumer"/> describes it.</summary>
    /// <param name="consumer">The queue, window, handler and what to do when the consumer's channel is lost.</param>
    /// <param name="cancellationToken">Cancels starting the consumer.</param>
    ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken);

    /// <summary>Returns how many messages are ready in <paramref name="queue"/> and how many consumers it has, or null when it does not exist.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Removes every ready message from <paramref name="queue"/> and returns how many there were.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Opens the broker connection if it is not open yet and says whether it is up now, for health checks.</summary>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <exception cref="BrokerException">The broker cannot be reached; the message names it without its password.</exception>
    ValueTask<bool> CheckConnectionAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>
    /// Opens a reader that takes <paramref name="queue"/>'s messages one at a time for browsing; every message it
    /// leaves unsettled goes back to the queue, in its place, when the reader is disposed.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels opening the reader.</param>
    /// <exception cref="NotSupportedException">The transport cannot read a queue message by message.</exception>
    ValueTask<IQueueReader> OpenReaderAsync(string queue, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The transport for {Description} cannot read queue '{queue}' message by message; browsing queues needs RabbitMQ or memory://.");
}

/// <summary>The short forms of <see cref="ITransport"/> calls.</summary>
internal static class TransportExtensions
{
    /// <summary>Starts consuming <paramref name="queue"/> with nothing to restore it but the transport's own recovery.</summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="prefetch">How many unacknowledged messages the consumer may hold.</param>
    /// <param name="autoAck">Whether messages count as acknowledged once delivered (replies, remote control).</param>
    /// <param name="handler">Receives each delivery; deliveries to one consumer arrive one at a time.</param>
    /// <param name="cancellationToken">Cancels starting the consumer.</param>
    public static ValueTask<ITransportConsumer> ConsumeAsync(this ITransport transport, string queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler, CancellationToken cancellationToken) =>
        transport.ConsumeAsync(new ConsumerSpecification(queue, handler) { Prefetch = prefetch, AutoAck = autoAck }, cancellationToken);
}

/// <summary>A running consumer: cancel it to stop deliveries, dispose it once its deliveries are settled.</summary>
internal interface ITransportConsumer : IAsyncDisposable
{
    /// <summary>Stops new deliveries while leaving delivered messages able to be acknowledged.</summary>
    ValueTask CancelAsync();
}

/// <summary>The kinds of exchange TaskGen uses.</summary>
internal enum ExchangeKind
{
    /// <summary>Routes to queues bound with the message's routing key.</summary>
    Direct,

    /// <summary>Routes to every bound queue.</summary>
    Fanout,

    /// <summary>Routes by dotted routing-key patterns (<c>*</c> one word, <c>#</c> any words).</summary>
    Topic,
}

/// <summary>An exchange to declare.</summary>
/// <param name="Name">The exchange name.</param>
/// <param name="Kind">The exchange type.</param>
/// <param name="Durable">Whether the exchange survives a broker restart.</param>
/// <param name="AutoDelete">Whether the exchange is deleted when its last binding goes.</param>
internal sealed record ExchangeSpecification(string Name, ExchangeKind Kind, bool Durable = true, bool AutoDelete = false);

/// <summary>
/// A queue to declare. Queues that Python Celery also declares must carry exactly its flags and arguments: none
/// for a classic queue, only <c>x-queue-type: quorum</c> for a quorum queue.
/// </summary>
/// <param name="Name">The queue name, or null for a broker-chosen name.</param>
/// <param name="Durable">Whether the queue survives a broker restart.</param>
/// <param name="Exclusive">Whether only this connection may use the queue (deleted when it closes).</param>
/// <param name="AutoDelete">Whether the queue is deleted when its last consumer goes.</param>
/// <param name="Expires">Deletes the queue after this long unused (<c>x-expires</c>).</param>
/// <param name="MessageTtl">Drops messages older than this (<c>x-message-ttl</c>).</param>
/// <param name="Type">The queue type (<c>x-queue-type</c>); <see cref="QueueType.Default"/> and <see cref="QueueType.Classic"/> send no argument, as kombu does.</param>
/// <param name="Arguments">
/// Further <c>x-</c> arguments, for queues that kombu declares with more than a type and TTLs; sent as given, after
/// those the other members set, so they must match what every other declarer sends.
/// </param>
internal sealed record QueueSpecification(
    string? Name,
    bool Durable = true,
    bool Exclusive = false,
    bool AutoDelete = false,
    TimeSpan? Expires = null,
    TimeSpan? MessageTtl = null,
    QueueType Type = QueueType.Default,
    IReadOnlyDictionary<string, object?>? Arguments = null);

/// <summary>A consumer to start: its queue, window and handler, and the hooks that keep it alive across broker faults.</summary>
/// <param name="Queue">The queue to consume (replaced by what <see cref="Prepare"/> returns, when given).</param>
/// <param name="Handler">Receives each delivery; deliveries to one consumer arrive one at a time.</param>
internal sealed record ConsumerSpecification(string Queue, Func<Delivery, ValueTask> Handler)
{
    /// <summary>How many unacknowledged messages the consumer may hold (per consumer, never global QoS).</summary>
    public int Prefetch { get; init; } = 1;

    /// <summary>Whether messages count as acknowledged once delivered (replies, remote control).</summary>
    public bool AutoAck { get; init; }

    /// <summary>
    /// How many finished deliveries a transport that can may acknowledge with one frame (AMQP <c>multiple</c>); 1
    /// acknowledges each on its own. Acks are only delayed, never given before the handler settles a delivery.
    /// </summary>
    public int AckBatchSize { get; init; } = 1;

    /// <summary>
    /// Declares what the consumer needs before every start and restart and returns the queue to consume, so
    /// that a queue the broker deleted (an exclusive broadcast queue, a queue removed by an operator) comes back.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? Prepare { get; init; }

    /// <summary>
    /// Told, with the broker's reason, when the consumer's channel is lost: every delivery it held is void
    /// (the broker hands those messages out again), and the consumer restarts by itself.
    /// </summary>
    public Action<string>? Interrupted { get; init; }

    /// <summary>Told when the consumer could not be restored after repeated tries and consumes no more.</summary>
    public Action<Exception>? Failed { get; init; }
}
