using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Transport;

/// <summary>
/// Declares task queues exactly as kombu does, so that Python Celery can declare the same entities on the
/// same broker without a 406 PRECONDITION_FAILED.
/// </summary>
internal static class TaskQueueTopology
{
    // kombu's Broadcast names its queues so too, so a Python worker's broadcast queue reads the same way.
    private const string BroadcastConsumerPrefix = "bcast.";

    /// <summary>
    /// Whether ETA tasks for <paramref name="queue"/> wait in the broker (kombu's native delayed delivery): for quorum task
    /// queues on a transport that has it, as Celery 5.5 does.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The task queue.</param>
    /// <param name="defaultType">The app's <see cref="TaskAppOptions.TaskDefaultQueueType"/>.</param>
    public static bool DelaysInBroker(ITransport transport, QueueDeclaration queue, QueueType defaultType) =>
        !queue.Broadcast && transport.SupportsNativeDelayedDelivery && (queue.Type == QueueType.Default ? defaultType : queue.Type) == QueueType.Quorum;

    /// <summary>Whether <paramref name="queue"/> is one worker's own queue on a broadcast exchange.</summary>
    /// <param name="queue">The queue a message was consumed from.</param>
    public static bool IsBroadcastConsumerQueue(string queue) => queue.StartsWith(BroadcastConsumerPrefix, System.StringComparison.Ordinal);

    /// <summary>
    /// Declares a direct task queue <c>Q</c> (exchange <c>Q</c>, queue <c>Q</c>, binding with key <c>Q</c>; all
    /// durable, no arguments), or for a broadcast queue its durable fanout exchange.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static ValueTask DeclareAsync(ITransport transport, QueueDeclaration queue, CancellationToken cancellationToken) =>
        DeclareAsync(transport, queue, QueueType.Classic, cancellationToken);

    /// <summary>
    /// Declares a task queue as <see cref="DeclareAsync(ITransport, QueueDeclaration, CancellationToken)"/> does, a
    /// queue of type <see cref="QueueType.Default"/> taking <paramref name="defaultType"/>: a quorum queue is durable,
    /// not auto-deleted, not exclusive, with the single argument <c>x-queue-type: quorum</c>, as kombu declares it.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="defaultType">The app's <see cref="TaskAppOptions.TaskDefaultQueueType"/>.</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static async ValueTask DeclareAsync(ITransport transport, QueueDeclaration queue, QueueType defaultType, CancellationToken cancellationToken)
    {
        if (queue.Broadcast)
        {
            // The type is ignored here: a broadcast queue's only queues are each worker's exclusive bcast.<uuid>.
            await transport.DeclareExchangeAsync(new ExchangeSpecification(queue.Name, ExchangeKind.Fanout), cancellationToken).ConfigureAwait(false);
            return;
        }

        QueueType type = queue.Type == QueueType.Default ? defaultType : queue.Type;
        await transport.DeclareExchangeAsync(new ExchangeSpecification(queue.Name, ExchangeKind.Direct), cancellationToken).ConfigureAwait(false);
        await transport.DeclareQueueAsync(new QueueSpecification(queue.Name, Type: type), cancellationToken).ConfigureAwait(false);
        await transport.BindQueueAsync(queue.Name, queue.Name, queue.Name, cancellationToken).ConfigureAwait(false);
        if (DelaysInBroker(transport, queue, defaultType))
        {
            await DelayedDelivery.PrepareQueueAsync(transport, queue.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Declares this worker's own queue <c>bcast.&lt;uuid&gt;</c> on a broadcast queue's fanout exchange and returns its name.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The broadcast queue.</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static async ValueTask<string> DeclareBroadcastConsumerAsync(ITransport transport, QueueDeclaration queue, CancellationToken cancellationToken)
    {
        await DeclareAsync(transport, queue, QueueType.Classic, cancellationToken).ConfigureAwait(false);
        string name = await transport.DeclareQueueAsync(
            new QueueSpecification(BroadcastConsumerPrefix + System.Guid.NewGuid().ToString(), Durable: false, Exclusive: true, AutoDelete: true), cancellationToken).ConfigureAwait(false);
        await transport.BindQueueAsync(name, queue.Name, string.Empty, cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Declares the dead-letter exchange <paramref name="name"/> (durable fanout) and a durable queue of the same
    /// name bound to it, so that what a broker policy dead-letters there is kept rather than dropped.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="name">The exchange and queue name (<see cref="TaskAppOptions.DeadLetterQueue"/>).</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static async ValueTask DeclareDeadLetterQueueAsync(ITransport transport, string name, CancellationToken cancellationToken)
    {
        // Fanout, so the binding holds whatever routing key the message died with. Quorum whatever the task queues
        // are: only TaskGen declares it, so every worker agrees, and on a cluster a classic queue would live on one
        // node, which, once down, would make every worker's declaration fail.
        await transport.DeclareExchangeAsync(new ExchangeSpecification(name, ExchangeKind.Fanout), cancellationToken).ConfigureAwait(false);
        await transport.DeclareQueueAsync(new QueueSpecification(name, Type: QueueType.Quorum), cancellationToken).ConfigureAwait(false);
        await transport.BindQueueAsync(name, name, string.Empty, cancellationToken).ConfigureAwait(false);
    }
}
