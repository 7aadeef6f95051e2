using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Transport;

/// <summary>
/// kombu's native delayed delivery on RabbitMQ (<c>kombu/transport/native_delayed_delivery.py</c>), which Celery 5.5+
/// uses for ETA tasks on quorum queues: 28 levels of topic exchanges and quorum queues <c>celery_delayed_0</c> …
/// <c>celery_delayed_27</c>, level <c>n</c> holding a message for 2ⁿ seconds when bit <c>n</c> of its countdown is set,
/// then the exchange <c>celery_delayed_delivery</c>, which hands it to its task queue. The same names, arguments and
/// routing-key format as kombu's, so Celery and TaskGen producers and workers share delayed tasks, and no worker holds
/// a far-off ETA task in memory.
/// </summary>
internal static class DelayedDelivery
{
    /// <summary>How many levels, hence bits of the countdown in seconds (about 8.5 years at most).</summary>
    public const int Levels = 28;

    /// <summary>The exchange that hands a message whose delay is over to its task queue.</summary>
    public const string DeliveryExchange = "celery_delayed_delivery";

    /// <summary>The longest countdown the levels can hold, in whole seconds.</summary>
    public const long MaxSeconds = (1L << Levels) - 1;

    /// <summary>The exchange a delayed message is published to: the top level.</summary>
    public static string Entry { get; } = LevelName(Levels - 1);

    /// <summary>
    /// The whole seconds of <paramref name="countdown"/> the levels hold (kombu rounds down, and the worker waits out the
    /// fraction), at most <see cref="MaxSeconds"/>; null below one second, which a direct publish serves better.
    /// </summary>
    /// <param name="countdown">How long until the task is due.</param>
    public static long? Seconds(TimeSpan countdown) =>
        countdown < TimeSpan.FromSeconds(1) ? null : Math.Min((long)countdown.TotalSeconds, MaxSeconds);

    /// <summary>
    /// Where a task message for <paramref name="queue"/> is published: to the top delay level when the queue delays in
    /// the broker and the task is due a second or more from <paramref name="now"/>, else to the queue itself (its
    /// fanout exchange for a broadcast queue). The one place this choice is made, for calls and for copies alike.
    /// </summary>
    internal static (string Exchange, string RoutingKey) Address(string queue, bool broadcast, bool delaysInBroker, DateTimeOffset? eta, DateTimeOffset now) =>
        delaysInBroker && eta is { } due && Seconds(due - now) is long seconds
            ? (Entry, RoutingKey(seconds, queue))
            : broadcast ? (queue, string.Empty) : (string.Empty, queue);

    /// <summary>The name of level <paramref name="level"/>'s exchange and queue.</summary>
    /// <param name="level">0 to 27.</param>
    public static string LevelName(int level) => "celery_delayed_" + level.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The routing key of a message delayed by <paramref name="seconds"/> for <paramref name="routingKey"/>: the countdown's
    /// 28 binary digits, most significant first, each followed by a dot, then the routing key (as kombu's
    /// <c>calculate_routing_key</c>, which also strips such a prefix from a key that carries one already).
    /// </summary>
    /// <param name="seconds">The countdown, 1 to <see cref="MaxSeconds"/>.</param>
    /// <param name="routingKey">The task queue's routing key.</param>
    public static string RoutingKey(long seconds, string routingKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, MaxSeconds);
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        string key = StripPrefix(routingKey);
        var builder = new StringBuilder(2 * Levels + key.Length);
        for (int bit = Levels - 1; bit >= 0; bit--)
        {
            builder.Append(((seconds >> bit) & 1) == 1 ? '1' : '0').Append('.');
        }

        return builder.Append(key).ToString();
    }

    /// <summary>Whether <paramref name="routingKey"/> starts with a countdown's 28 binary digits.</summary>
    private static string StripPrefix(string routingKey)
    {
        if (routingKey.Length <= 2 * Levels)
        {
            return routingKey;
        }

        for (int i = 0; i < 2 * Levels; i += 2)
        {
            if (routingKey[i] is not ('0' or '1') || routingKey[i + 1] != '.')
            {
                return routingKey;
            }
        }

        return routingKey[(2 * Levels)..];
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITransport, Task> s_declared = new();

    /// <summary>
    /// Declares the levels once per transport (they are durable and shared by every queue and every process), then
    /// binds <paramref name="queue"/> to the delivery exchange.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The quorum task queue.</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static async ValueTask PrepareQueueAsync(ITransport transport, string queue, CancellationToken cancellationToken)
    {
        Task levels = s_declared.GetValue(transport, t => DeclareAsync(t, CancellationToken.None).AsTask());
        try
        {
            await levels.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (levels.IsFaulted || levels.IsCanceled)
        {
            // A failed declaration (the connection dropped) is tried again by the next caller.
            s_declared.Remove(transport);
            throw;
        }

        await BindQueueAsync(transport, queue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Declares the levels and the delivery exchange exactly as kombu's <c>declare_native_delayed_delivery_exchanges_and_queues</c>
    /// does for quorum queues, so either side may declare them first.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="cancellationToken">Cancels the declarations.</param>
    public static async ValueTask DeclareAsync(ITransport transport, CancellationToken cancellationToken)
    {
        string key = "1.#";
        for (int level = Levels - 1; level >= 0; level--)
        {
            string name = LevelName(level);
            await transport.DeclareExchangeAsync(new ExchangeSpecification(name, ExchangeKind.Topic), cancellationToken).ConfigureAwait(false);
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-overflow"] = "reject-publish",
                ["x-dead-letter-exchange"] = level > 0 ? LevelName(level - 1) : DeliveryExchange,
                ["x-dead-letter-strategy"] = "at-least-once",
            };
            await transport.DeclareQueueAsync(
                new QueueSpecification(name, MessageTtl: TimeSpan.FromSeconds(1L << level), Type: QueueType.Quorum, Arguments: arguments),
                cancellationToken).ConfigureAwait(false);
            await transport.BindQueueAsync(name, name, key, cancellationToken).ConfigureAwait(false);
            key = "*." + key;
        }

        key = "0.#";
        for (int level = Levels - 1; level > 0; level--)
        {
            await transport.BindExchangeAsync(LevelName(level - 1), LevelName(level), key, cancellationToken).ConfigureAwait(false);
            key = "*." + key;
        }

        await transport.DeclareExchangeAsync(new ExchangeSpecification(DeliveryExchange, ExchangeKind.Topic), cancellationToken).ConfigureAwait(false);
        await transport.BindExchangeAsync(DeliveryExchange, LevelName(0), key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Binds task queue <paramref name="queue"/> to the delivery exchange with <c>#.queue</c>, so a delayed message for it
    /// arrives once its delay is over. Bound directly rather than through the queue's own exchange, as kombu binds it,
    /// because a direct exchange cannot match that pattern; RabbitMQ delivers one copy where both bindings exist.
    /// </summary>
    /// <param name="transport">The transport.</param>
    /// <param name="queue">The task queue's name (its routing key).</param>
    /// <param name="cancellationToken">Cancels the binding.</param>
    public static ValueTask BindQueueAsync(ITransport transport, string queue, CancellationToken cancellationToken) =>
        transport.BindQueueAsync(queue, DeliveryExchange, "#." + queue, cancellationToken);
}
