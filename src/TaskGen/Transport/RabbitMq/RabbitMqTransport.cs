using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// The transport for <c>amqp://</c> and <c>amqps://</c> URLs, on RabbitMQ.Client 7: a consuming and a publishing
/// connection per process (and one for unconfirmed results, opened only if <c>WorkerConfirmResults</c> is off), each with
/// automatic connection and topology recovery (<see cref="RabbitMqConnection"/>), publishing
/// channels kept apart by what a failure may cost (<see cref="RabbitMqPublisher"/>), a channel per consumer
/// with one bounded restart path (<see cref="RabbitMqConsumer"/>), and a separate channel for declarations so
/// that a refused declaration never takes publishing down.
/// </summary>
internal sealed class RabbitMqTransport : ITransport
{
    /// <summary>The most publishes awaiting a broker confirmation at once; further publishes wait.</summary>
    public const int MaxOutstandingConfirms = 4096;

    private readonly ConnectionFactory _factory;
    // Consumers, their acks and declarations; nothing that publishes, so a broker alarm never blocks it.
    private readonly RabbitMqConnection _consuming;

    // Tasks, confirmed results, events, control replies, and the queue reader, which publishes what it moves.
    private readonly RabbitMqConnection _publishing;

    // Unconfirmed results only (WorkerConfirmResults off), opened with the first: no channel on it is ever closed for a message's fault.
    private readonly RabbitMqConnection _results;
    private readonly RabbitMqPublisher _publisher;
    private readonly SemaphoreSlim _topologyGate = new(1, 1);
    private IChannel? _topology;

    /// <summary>Creates a transport for <paramref name="brokerUrl"/>; it connects on first use.</summary>
    /// <param name="brokerUrl"><c>amqp://user:password@host:port/vhost</c> or <c>amqps://...</c>, or several nodes of one cluster separated by <c>;</c>.</param>
    /// <param name="clientName">The connection name shown in RabbitMQ's management tools, followed by <c>(consuming)</c>, <c>(publishing)</c> or <c>(results)</c>.</param>
    /// <param name="loggerFactory">Logging for connection events.</param>
    /// <param name="tlsCaCertificate">For <c>amqps://</c>, a PEM file of the CA that issues the broker's certificate, trusted instead of the system's roots.</param>
    /// <exception cref="TaskAppConfigurationException">The URL cannot be parsed, or the CA file cannot be used.</exception>
    public RabbitMqTransport(string brokerUrl, string clientName, ILoggerFactory loggerFactory, string? tlsCaCertificate = null)
    {
        Description = BrokerUrls.Redact(brokerUrl);
        (_factory, IReadOnlyList<AmqpTcpEndpoint>? endpoints) = RabbitMqConnectionSettings.Create(brokerUrl, clientName, tlsCaCertificate);
        ILogger logger = loggerFactory.CreateLogger("TaskGen.RabbitMq");
        _consuming = new RabbitMqConnection(_factory, Description, clientName + " (consuming)", "consuming", logger, endpoints);
        _publishing = new RabbitMqConnection(_factory, Description, clientName + " (publishing)", "publishing", logger, endpoints);
        _results = new RabbitMqConnection(_factory, Description, clientName + " (results)", "results", logger, endpoints);
        _publisher = new RabbitMqPublisher(_publishing, _results);
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public async ValueTask DeclareExchangeAsync(ExchangeSpecification exchange, CancellationToken cancellationToken)
    {
        await OnTopologyAsync(
            (channel, ct) => channel.ExchangeDeclareAsync(exchange.Name, KindName(exchange.Kind), exchange.Durable, exchange.AutoDelete, arguments: null, passive: false, noWait: false, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken)
    {
        Dictionary<string, object?>? arguments = null;
        if (queue.Expires is { } expires)
        {
            (arguments ??= [])["x-expires"] = (int)Math.Min(int.MaxValue, expires.TotalMilliseconds);
        }

        if (queue.MessageTtl is { } ttl)
        {
            (arguments ??= [])["x-message-ttl"] = MessageTtlArgument(ttl);
        }

        if (queue.Type == QueueType.Quorum)
        {
            // Exactly kombu's queue_arguments for a quorum queue, so that Python declaring the same queue gets no 406.
            (arguments ??= [])["x-queue-type"] = "quorum";
        }

        if (queue.Arguments is { } extra)
        {
            foreach (KeyValuePair<string, object?> argument in extra)
            {
                (arguments ??= [])[argument.Key] = argument.Value;
            }
        }

        QueueDeclareOk ok = await OnTopologyAsync(
            (channel, ct) => channel.QueueDeclareAsync(queue.Name ?? string.Empty, queue.Durable, queue.Exclusive, queue.AutoDelete, arguments, passive: false, noWait: false, ct),
            cancellationToken).ConfigureAwait(false);
        return ok.QueueName;
    }

    /// <inheritdoc />
    public async ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken)
    {
        await OnTopologyAsync(
            (channel, ct) => channel.QueueBindAsync(queue, exchange, routingKey, arguments: null, noWait: false, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask BindExchangeAsync(string destination, string source, string routingKey, CancellationToken cancellationToken)
    {
        await OnTopologyAsync(
            (channel, ct) => channel.ExchangeBindAsync(destination, source, routingKey, arguments: null, noWait: false, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool SupportsNativeDelayedDelivery => true;

    /// <inheritdoc />
    public ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken) => _publisher.PublishAsync(message, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken)
    {
        var started = new RabbitMqConsumer(_consuming, consumer);
        await started.StartAsync(cancellationToken).ConfigureAwait(false);
        return started;
    }

    /// <inheritdoc />
    public async ValueTask<bool> CheckConnectionAsync(CancellationToken cancellationToken)
    {
        // Either one down stops the process's work: no deliveries or acks, or no results and no sends.
        await _consuming.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _publishing.OpenAsync(cancellationToken).ConfigureAwait(false);
        return _consuming.IsOpen && _publishing.IsOpen;
    }

    /// <inheritdoc />
    public async ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            QueueDeclareOk ok = await OnThrowawayChannelAsync((channel, ct) => channel.QueueDeclarePassiveAsync(queue, ct), cancellationToken).ConfigureAwait(false);
            return (ok.MessageCount, ok.ConsumerCount);
        }
        catch (BrokerException ex) when (ex.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            return await OnThrowawayChannelAsync((channel, ct) => channel.QueuePurgeAsync(queue, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerException ex) when (ex.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IQueueReader> OpenReaderAsync(string queue, CancellationToken cancellationToken) =>
        await RabbitMqQueueReader.OpenAsync(_publishing, queue, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync().ConfigureAwait(false);
        if (_topology is not null)
        {
            await _topology.DisposeAsync().ConfigureAwait(false);
        }

        await _consuming.DisposeAsync().ConfigureAwait(false);
        await _publishing.DisposeAsync().ConfigureAwait(false);
        await _results.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// <c>x-message-ttl</c> as py-amqp encodes kombu's: a signed 32-bit integer while it fits, a long beyond (kombu's delay
    /// levels 22 to 27, up to 2^27 s); never capped, since RabbitMQ refuses a second declaration whose value differs.
    /// </summary>
    internal static object MessageTtlArgument(TimeSpan ttl)
    {
        long milliseconds = (long)ttl.TotalMilliseconds;
        return milliseconds <= int.MaxValue ? (object)(int)milliseconds : milliseconds;
    }

    private static string KindName(ExchangeKind kind) => kind switch
    {
        ExchangeKind.Fanout => ExchangeType.Fanout,
        ExchangeKind.Topic => ExchangeType.Topic,
        _ => ExchangeType.Direct,
    };

    private async ValueTask<T> OnTopologyAsync<T>(Func<IChannel, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        IChannel channel = await TopologyChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(channel, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex)
        {
            // A refused declaration closes the channel; the next operation gets a new one.
            if (ex.ShutdownReason is { ReplyCode: 406 } reason && DeclarationConflict.Describe(Description, reason.ReplyText) is { } conflict)
            {
                throw new BrokerException(conflict, ex, reason.ReplyCode);
            }

            throw RabbitMqConnection.Refused($"RabbitMQ at {Description} refused the operation", ex);
        }
    }

    private async ValueTask OnTopologyAsync(Func<IChannel, CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        await OnTopologyAsync<bool>(async (channel, ct) =>
        {
            await operation(channel, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Runs an operation that may fail with 404 (a passive declare, a purge) on a channel of its own, so the
    /// channel the failure closes is not one that other declarations share.
    /// </summary>
    private async ValueTask<T> OnThrowawayChannelAsync<T>(Func<IChannel, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        IChannel channel = await _consuming.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                return await operation(channel, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex)
            {
                throw RabbitMqConnection.Refused($"RabbitMQ at {Description} refused the operation", ex);
            }
        }
    }

    private async ValueTask<IChannel> TopologyChannelAsync(CancellationToken cancellationToken)
    {
        IChannel? channel = _topology;
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        await _topologyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topology is not { IsOpen: true })
            {
                if (_topology is not null)
                {
                    await _topology.DisposeAsync().ConfigureAwait(false);
                }

                _topology = await _consuming.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
            }

            return _topology;
        }
        finally
        {
            _topologyGate.Release();
        }
    }
}
