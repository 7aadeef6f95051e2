using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace TaskGen.Transport;

/// <summary>
/// The transport for <c>amqp://</c> and <c>amqps://</c> URLs, on RabbitMQ.Client 7: one connection per
/// process with automatic connection and topology recovery, a publishing channel with confirms and
/// <c>mandatory</c> returns tracked, a channel per consumer, and a separate channel for declarations so
/// that a refused declaration never takes publishing down.
/// </summary>
public sealed partial class RabbitMqTransport : ITransport
{
    /// <summary>The most publishes awaiting a broker confirmation at once; further publishes wait.</summary>
    public const int MaxOutstandingConfirms = 4096;

    private readonly ConnectionFactory _factory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // RabbitMQ.Client's limiter refuses a publish beyond its limit instead of queueing it, so callers
    // that send thousands at once wait here for a slot.
    private readonly SemaphoreSlim _confirmWindow = new(MaxOutstandingConfirms, MaxOutstandingConfirms);
    private readonly SemaphoreSlim _unconfirmedGate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _publish;
    private IChannel? _unconfirmed;
    private IChannel? _topology;
    private bool _disposed;
    private volatile bool _ready;

    /// <summary>Creates a transport for <paramref name="brokerUrl"/>; it connects on first use.</summary>
    /// <param name="brokerUrl"><c>amqp://user:password@host:port/vhost</c> or <c>amqps://...</c>.</param>
    /// <param name="clientName">The connection name shown in RabbitMQ's management tools.</param>
    /// <param name="loggerFactory">Logging for connection events.</param>
    /// <param name="tlsCaCertificate">For <c>amqps://</c>, a PEM file of the CA that issues the broker's certificate, trusted instead of the system's roots.</param>
    /// <exception cref="TaskAppConfigurationException">The URL cannot be parsed, or the CA file cannot be used.</exception>
    public RabbitMqTransport(string brokerUrl, string clientName, ILoggerFactory loggerFactory, string? tlsCaCertificate = null)
    {
        Description = BrokerUrls.Redact(brokerUrl);
        _factory = RabbitMqConnectionSettings.CreateFactory(brokerUrl, clientName, Description, tlsCaCertificate);
        _logger = loggerFactory.CreateLogger("TaskGen.RabbitMq");
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
            (arguments ??= [])["x-message-ttl"] = (int)Math.Min(int.MaxValue, ttl.TotalMilliseconds);
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
    public async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        MessageProperties source = message.Properties;
        var properties = new BasicProperties
        {
            CorrelationId = source.CorrelationId,
            ReplyTo = string.IsNullOrEmpty(source.ReplyTo) ? null : source.ReplyTo,
            ContentType = source.ContentType,
            ContentEncoding = source.ContentEncoding,
            DeliveryMode = source.DeliveryMode == 2 ? DeliveryModes.Persistent : DeliveryModes.Transient,
            Priority = source.Priority,
            Expiration = source.Expiration,
            Headers = message.Headers,
        };

        if (!message.Confirm)
        {
            await PublishUnconfirmedAsync(message, properties, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _confirmWindow.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _publish!.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, properties, message.Body, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException ex) when (ex.IsReturn)
        {
            throw new MessageNotRoutedException(message.Exchange, message.RoutingKey);
        }
        catch (PublishException ex)
        {
            throw new BrokerException($"RabbitMQ at {Description} refused the message to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' (nack).", ex);
        }
        catch (OperationInterruptedException ex)
        {
            throw Refused($"Publishing to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' failed", ex);
        }
        finally
        {
            _confirmWindow.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<ITransportConsumer> ConsumeAsync(string queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler, CancellationToken cancellationToken)
    {
        IConnection connection = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var consumer = new RabbitConsumer(this, connection, queue, prefetch, autoAck, handler);
        await consumer.StartAsync(cancellationToken).ConfigureAwait(false);
        return consumer;
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
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (IChannel? channel in new[] { _publish, _unconfirmed, _topology })
            {
                if (channel is not null)
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (_connection is not null)
            {
                await _connection.CloseAsync().ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Turns the broker closing a channel on an operation into our exception, with its reason and reply code.</summary>
    private static BrokerException Refused(string what, OperationInterruptedException ex) =>
        new($"{what}: {ex.ShutdownReason?.ReplyText ?? ex.Message}", ex, ex.ShutdownReason?.ReplyCode ?? 0);

    private static string KindName(ExchangeKind kind) => kind switch
    {
        ExchangeKind.Fanout => ExchangeType.Fanout,
        ExchangeKind.Topic => ExchangeType.Topic,
        _ => ExchangeType.Direct,
    };

    private static MessageProperties ReadProperties(IReadOnlyBasicProperties properties) => new()
    {
        CorrelationId = properties.CorrelationId,
        ReplyTo = properties.ReplyTo,
        ContentType = properties.ContentType,
        ContentEncoding = properties.ContentEncoding,
        DeliveryMode = properties.DeliveryMode == DeliveryModes.Persistent ? (byte)2 : (byte)1,
        Priority = properties.Priority,
        Expiration = properties.Expiration,
    };

    private async ValueTask<IConnection> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_ready && _connection is { } ready && _publish is { IsOpen: true } && _unconfirmed is { IsOpen: true })
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null)
            {
                try
                {
                    _connection = await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (BrokerUnreachableException ex)
                {
                    throw new BrokerException($"Cannot connect to RabbitMQ at {Description}: {ex.InnerException?.Message ?? ex.Message}", ex);
                }

                _connection.ConnectionShutdownAsync += (_, args) =>
                {
                    if (args.Initiator != ShutdownInitiator.Application)
                    {
                        LogConnectionLost(_logger, Description, args.ReplyText);
                    }

                    return Task.CompletedTask;
                };
                _connection.RecoverySucceededAsync += (_, _) =>
                {
                    LogConnectionRecovered(_logger, Description);
                    return Task.CompletedTask;
                };
                LogConnected(_logger, Description);
            }

            // A channel the broker closed (an oversized message, a missing exchange) is replaced; automatic
            // recovery only rebuilds channels after the whole connection failed.
            if (_publish is { IsOpen: false } && _connection.IsOpen)
            {
                await _publish.DisposeAsync().ConfigureAwait(false);
                _publish = null;
            }

            if (_unconfirmed is { IsOpen: false } && _connection.IsOpen)
            {
                await _unconfirmed.DisposeAsync().ConfigureAwait(false);
                _unconfirmed = null;
            }

            // Confirms are tracked by the client, so each publish completes when the broker has the message,
            // and a mandatory message no queue took comes back as an error instead of vanishing.
            _publish ??= await _connection.CreateChannelAsync(
                new CreateChannelOptions(
                    publisherConfirmationsEnabled: true,
                    publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(MaxOutstandingConfirms, throttlingPercentage: null),
                    consumerDispatchConcurrency: 1),
                cancellationToken).ConfigureAwait(false);
            if (_unconfirmed is null)
            {
                _unconfirmed = await _connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, outstandingPublisherConfirmationsRateLimiter: null, consumerDispatchConcurrency: 1),
                    cancellationToken).ConfigureAwait(false);
                _unconfirmed.BasicReturnAsync += (_, args) =>
                {
                    LogReturned(_logger, args.Exchange, args.RoutingKey, args.ReplyText);
                    return Task.CompletedTask;
                };
            }

            _ready = true;
            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask PublishUnconfirmedAsync(TransportMessage message, BasicProperties properties, CancellationToken cancellationToken)
    {
        // A channel is not safe for concurrent publishes without tracking, so these take turns.
        await _unconfirmedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _unconfirmed!.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, properties, message.Body, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex)
        {
            throw Refused($"Publishing to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' failed", ex);
        }
        finally
        {
            _unconfirmedGate.Release();
        }
    }

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
            throw Refused($"RabbitMQ at {Description} refused the operation", ex);
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
        IConnection connection = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        IChannel channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                return await operation(channel, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex)
            {
                throw Refused($"RabbitMQ at {Description} refused the operation", ex);
            }
        }
    }

    private async ValueTask<IChannel> TopologyChannelAsync(CancellationToken cancellationToken)
    {
        IConnection connection = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        IChannel? channel = _topology;
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topology is not { IsOpen: true })
            {
                if (_topology is not null)
                {
                    await _topology.DisposeAsync().ConfigureAwait(false);
                }

                _topology = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return _topology;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ returned an unconfirmed message to exchange '{Exchange}' with routing key '{RoutingKey}': {Reason}.")]
    private static partial void LogReturned(ILogger logger, string exchange, string routingKey, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Broker}.")]
    private static partial void LogConnected(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection to RabbitMQ at {Broker} lost: {Reason}; recovering.")]
    private static partial void LogConnectionLost(ILogger logger, string broker, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to RabbitMQ at {Broker} recovered.")]
    private static partial void LogConnectionRecovered(ILogger logger, string broker);

    private sealed class RabbitDelivery(RabbitConsumer consumer, IChannel channel, ulong tag, TransportMessage message, string queue, bool redelivered, bool autoAck)
        : Delivery(message, queue, redelivered)
    {
        private int _settled = autoAck ? 1 : 0;

        public override async ValueTask AckAsync()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && channel.IsOpen)
            {
                await channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
            }
        }

        public override async ValueTask RejectAsync(bool requeue)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && channel.IsOpen)
            {
                await channel.BasicRejectAsync(tag, requeue).ConfigureAwait(false);
            }
        }

        public override ValueTask ExtendPrefetchAsync(int delta) => consumer.ExtendPrefetchAsync(channel, delta);
    }

    /// <summary>
    /// One consumer on its own channel. If the broker closes just that channel (a consumer timeout, a
    /// deleted queue) while the connection lives, it is reopened and consuming resumes; the deliveries the
    /// old channel held go back to the queue with it.
    /// </summary>
    private sealed class RabbitConsumer(RabbitMqTransport owner, IConnection connection, string queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler)
        : ITransportConsumer
    {
        private readonly SemaphoreSlim _qosGate = new(1, 1);
        private IChannel? _channel;
        private string? _tag;
        private int _extra;
        private volatile bool _cancelled;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            IChannel channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, outstandingPublisherConfirmationsRateLimiter: null, consumerDispatchConcurrency: 1),
                cancellationToken).ConfigureAwait(false);
            try
            {
                if (!autoAck)
                {
                    await channel.BasicQosAsync(0, Window(0), global: false, cancellationToken).ConfigureAwait(false);
                }

                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += async (_, args) =>
                {
                    // The body is only valid inside this callback, and the worker keeps it past it.
                    var message = new TransportMessage(
                        args.Exchange,
                        args.RoutingKey,
                        ReadProperties(args.BasicProperties),
                        args.BasicProperties.Headers ?? new Dictionary<string, object?>(),
                        args.Body.ToArray());
                    await handler(new RabbitDelivery(this, channel, args.DeliveryTag, message, queue, args.Redelivered, autoAck)).ConfigureAwait(false);
                };
                channel.ChannelShutdownAsync += OnChannelShutdownAsync;
                _tag = await channel.BasicConsumeAsync(queue, autoAck, consumer, cancellationToken).ConfigureAwait(false);
                _channel = channel;
            }
            catch (OperationInterruptedException ex)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
                throw Refused($"Cannot consume queue '{queue}'", ex);
            }
        }

        public async ValueTask ExtendPrefetchAsync(IChannel channel, int delta)
        {
            if (autoAck || !channel.IsOpen)
            {
                return;
            }

            await _qosGate.WaitAsync().ConfigureAwait(false);
            try
            {
                _extra = Math.Max(0, _extra + delta);
                await channel.BasicQosAsync(0, Window(_extra), global: false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException)
            {
                // The channel went away; the held message returns to the queue with it.
            }
            finally
            {
                _qosGate.Release();
            }
        }

        public async ValueTask CancelAsync()
        {
            if (_cancelled)
            {
                return;
            }

            _cancelled = true;
            if (_channel is { IsOpen: true } channel && _tag is not null)
            {
                await channel.BasicCancelAsync(_tag).ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await CancelAsync().ConfigureAwait(false);
            if (_channel is { } channel)
            {
                // Closing the channel hands every unacknowledged delivery back to the broker.
                if (channel.IsOpen)
                {
                    await channel.CloseAsync().ConfigureAwait(false);
                }

                await channel.DisposeAsync().ConfigureAwait(false);
            }

            _qosGate.Dispose();
        }

        private ushort Window(int extra) => (ushort)Math.Clamp(prefetch + extra, 1, ushort.MaxValue);

        private Task OnChannelShutdownAsync(object? sender, ShutdownEventArgs args)
        {
            // Connection failures are automatic recovery's to mend; ours to mend is a channel the broker
            // closed on its own while the connection stays up.
            if (_cancelled || args.Initiator == ShutdownInitiator.Application || !connection.IsOpen)
            {
                return Task.CompletedTask;
            }

            LogConsumerRestarting(owner._logger, queue, args.ReplyText);
            _ = Task.Run(async () =>
            {
                for (int attempt = 1; !_cancelled && connection.IsOpen; attempt++)
                {
                    try
                    {
                        _extra = 0;
                        await StartAsync(CancellationToken.None).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception ex) when (ex is BrokerException or OperationInterruptedException or AlreadyClosedException)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt))).ConfigureAwait(false);
                    }
                }
            });
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker closed the channel consuming '{Queue}' ({Reason}); reopening it.")]
    private static partial void LogConsumerRestarting(ILogger logger, string queue, string reason);
}
