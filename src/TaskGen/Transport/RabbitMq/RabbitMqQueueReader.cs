using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// Reads a queue with <c>basic.get</c> on a confirming channel of its own, which also publishes the copies that
/// <see cref="MoveAsync"/> and <see cref="PassAsync"/> send before they acknowledge what was taken. No QoS is set,
/// since <c>basic.get</c> ignores the prefetch window (and RabbitMQ 4 has no global QoS to set).
/// </summary>
/// <remarks>
/// One channel for the gets, the copies and the acks, so that its frames reach the broker in the order sent: a
/// completed get or confirm proves every acknowledgement sent before it arrived. When the connection drops,
/// RabbitMQ.Client recovers the channel in place, with delivery tags starting again; each channel life is an
/// epoch, and a delivery taken in an earlier one is void.
/// </remarks>
internal sealed class RabbitMqQueueReader : IQueueReader
{
    /// <summary>How long a get waits for a lost connection to come back before it gives up.</summary>
    private static readonly TimeSpan s_recoveryWait = TimeSpan.FromSeconds(60);

    private static readonly CreateChannelOptions s_confirming = new(
        publisherConfirmationsEnabled: true,
        publisherConfirmationTrackingEnabled: true,
        outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(RabbitMqTransport.MaxOutstandingConfirms, throttlingPercentage: null),
        consumerDispatchConcurrency: 1);

    private readonly RabbitMqConnection _connection;
    private IChannel _channel;
    private CancellationTokenSource _epoch = new();

    // The epoch of the last acknowledgement not yet followed by a completed round trip, or null when there is none.
    private CancellationTokenSource? _unproven;

    private RabbitMqQueueReader(RabbitMqConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        Queue = queue;
        Watch(channel);
    }

    public string Queue { get; }

    public static async ValueTask<RabbitMqQueueReader> OpenAsync(RabbitMqConnection connection, string queue, CancellationToken cancellationToken)
    {
        IChannel channel = await connection.CreateChannelAsync(s_confirming, cancellationToken).ConfigureAwait(false);
        return new RabbitMqQueueReader(connection, channel, queue);
    }

    public async ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + s_recoveryWait;
        while (true)
        {
            CancellationTokenSource epoch = await EpochAsync(deadline, cancellationToken).ConfigureAwait(false);
            BasicGetResult? got;
            try
            {
                got = await _channel.BasicGetAsync(Queue, autoAck: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex) when (!_connection.IsOpen || ex is AlreadyClosedException)
            {
                // The connection went under the get: wait for it and ask again on the recovered channel.
                continue;
            }
            catch (OperationInterruptedException ex)
            {
                throw RabbitMqConnection.Refused($"RabbitMQ at {_connection.Description} refused to read queue '{Queue}'", ex);
            }

            if (epoch.IsCancellationRequested)
            {
                // Lost while the reply was on its way: the broker took the message back, and this tag means nothing now.
                continue;
            }

            if (ReferenceEquals(_unproven, epoch))
            {
                _unproven = null;
            }

            if (got is null)
            {
                return null;
            }

            // Kept as delivered, so that a pass copies every property, not only those TaskGen reads.
            var properties = new BasicProperties(got.BasicProperties);
            if (properties.Headers is { } headers)
            {
                // The broker's own count of deliveries; a copy is a new message and starts afresh.
                var copied = new Dictionary<string, object?>(headers, StringComparer.Ordinal);
                copied.Remove("x-delivery-count");
                properties.Headers = copied;
            }

            TransportMessage message = RabbitMqProperties.ReadMessage(got.Exchange, got.RoutingKey, got.BasicProperties, got.Body);
            return new GotDelivery(this, epoch, got.DeliveryTag, message, properties, got.Redelivered);
        }
    }

    public ValueTask<MoveOutcome> MoveAsync(Delivery delivery, TransportMessage message, CancellationToken cancellationToken) =>
        SendThenAckAsync(Own(delivery), message.Exchange, message.RoutingKey, RabbitMqProperties.Write(message), message.Body, cancellationToken);

    public ValueTask<MoveOutcome> PassAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        GotDelivery got = Own(delivery);
        return SendThenAckAsync(got, string.Empty, Queue, got.Properties, got.Message.Body, cancellationToken);
    }

    public async ValueTask<bool> SettledAsync(CancellationToken cancellationToken)
    {
        if (_unproven is not { } epoch)
        {
            return true;
        }

        if (!epoch.IsCancellationRequested)
        {
            try
            {
                await _channel.QueueDeclarePassiveAsync(Queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException)
            {
                // Lost or refused: either way the round trip proves nothing, and the epoch says which.
            }
        }

        bool proven = !epoch.IsCancellationRequested && _channel.IsOpen;
        if (proven || ReferenceEquals(_unproven, epoch))
        {
            _unproven = null;
        }

        return proven;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_channel.IsOpen)
            {
                await _channel.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (AlreadyClosedException)
        {
            // Closed by the broker or with the connection: the unsettled messages are back in the queue either way.
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
        _epoch.Dispose();
    }

    private GotDelivery Own(Delivery delivery) =>
        delivery is GotDelivery got && ReferenceEquals(got.Owner, this)
            ? got
            : throw new ArgumentException($"The delivery was not taken by this reader of '{Queue}'.", nameof(delivery));

    private async ValueTask<MoveOutcome> SendThenAckAsync(GotDelivery got, string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!got.Claim())
        {
            throw new InvalidOperationException("The delivery was settled already.");
        }

        if (got.Lost.IsCancellationRequested || !_channel.IsOpen)
        {
            return MoveOutcome.NotSent;
        }

        try
        {
            await _channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException ex) when (ex.IsReturn)
        {
            got.Release();
            return MoveOutcome.NotRouted;
        }
        catch (PublishException)
        {
            got.Release();
            return MoveOutcome.Refused;
        }
        catch (OperationInterruptedException)
        {
            // The channel went while the copy was on its way: the broker may have enqueued it without a confirm.
            return MoveOutcome.Unconfirmed;
        }

        // From here the copy exists, and the removal is not known to have happened until a later round trip on this
        // channel life completes: if that life ends first, the broker may hand the message back.
        _unproven = got.Epoch;
        if (got.Lost.IsCancellationRequested)
        {
            return MoveOutcome.CopiedNotRemoved;
        }

        try
        {
            await _channel.BasicAckAsync(got.Tag, multiple: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException)
        {
            return MoveOutcome.CopiedNotRemoved;
        }

        return got.Lost.IsCancellationRequested ? MoveOutcome.CopiedNotRemoved : MoveOutcome.Moved;
    }

    /// <summary>The current channel life, after waiting out a lost connection or replacing a channel the broker closed.</summary>
    private async ValueTask<CancellationTokenSource> EpochAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        while (_epoch.IsCancellationRequested || !_channel.IsOpen)
        {
            if (_connection.IsOpen && !_channel.IsOpen)
            {
                // Closed by the broker for an error of its own (recovery only restores channels of a lost connection).
                await _channel.DisposeAsync().ConfigureAwait(false);
                _channel = await _connection.CreateChannelAsync(s_confirming, cancellationToken).ConfigureAwait(false);
                Watch(_channel);
            }

            if (_channel.IsOpen)
            {
                // Earlier epochs stay cancelled for the deliveries that hold them, so they are not disposed.
                _epoch = new CancellationTokenSource();
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BrokerException($"The connection to RabbitMQ at {_connection.Description} did not come back within {s_recoveryWait.TotalSeconds:0} s while reading queue '{Queue}'.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        return _epoch;
    }

    private void Watch(IChannel channel) => channel.ChannelShutdownAsync += (_, _) => _epoch.CancelAsync();

    private sealed class GotDelivery(RabbitMqQueueReader owner, CancellationTokenSource epoch, ulong tag, TransportMessage message, BasicProperties properties, bool redelivered)
        : Delivery(message, owner.Queue, redelivered)
    {
        private readonly CancellationToken _lostToken = epoch.Token;
        private int _settled;

        public RabbitMqQueueReader Owner => owner;

        public CancellationTokenSource Epoch => epoch;

        public ulong Tag => tag;

        public BasicProperties Properties => properties;

        public override CancellationToken Lost => _lostToken;

        public bool Claim() => Interlocked.Exchange(ref _settled, 1) == 0;

        public void Release() => Volatile.Write(ref _settled, 0);

        public override async ValueTask AckAsync()
        {
            if (Claim() && !_lostToken.IsCancellationRequested)
            {
                try
                {
                    await owner._channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
                    owner._unproven = epoch;
                }
                catch (AlreadyClosedException)
                {
                    // The channel went first; the broker has the message back and Lost says so.
                }
            }
        }

        public override async ValueTask RejectAsync(bool requeue)
        {
            if (Claim() && !_lostToken.IsCancellationRequested)
            {
                try
                {
                    await owner._channel.BasicRejectAsync(tag, requeue).ConfigureAwait(false);
                }
                catch (AlreadyClosedException)
                {
                }
            }
        }
    }
}
