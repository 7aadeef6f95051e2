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
/// completed get or confirm proves every acknowledgement sent before it arrived. A channel serves one life: when
/// it closes (the connection dropped, or the broker closed it), the reader opens a fresh one on the connection once
/// that is back, and a delivery taken on an earlier life is void. RabbitMQ.Client could recover the old channel in
/// place, but it then renumbers delivery tags with an offset of its own and drops an ack below it without a word,
/// so an ack racing the recovery could be lost or land on another message.
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
    private Life _life;

    // The life of the last acknowledgement not yet followed by a completed round trip, or null when there is none.
    private Life? _unproven;

    private RabbitMqQueueReader(RabbitMqConnection connection, Life life, string queue)
    {
        _connection = connection;
        _life = life;
        Queue = queue;
    }

    public string Queue { get; }

    public static async ValueTask<RabbitMqQueueReader> OpenAsync(RabbitMqConnection connection, string queue, CancellationToken cancellationToken)
    {
        CancellationToken connectionLife = connection.Life;
        IChannel channel = await connection.CreateChannelAsync(s_confirming, cancellationToken).ConfigureAwait(false);
        return new RabbitMqQueueReader(connection, new Life(channel, connectionLife), queue);
    }

    public async ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + s_recoveryWait;
        while (true)
        {
            Life life = await LiveAsync(deadline, cancellationToken).ConfigureAwait(false);
            BasicGetResult? got;
            try
            {
                got = await life.Channel.BasicGetAsync(Queue, autoAck: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex) when (life.IsOver || ex is AlreadyClosedException)
            {
                // The channel went under the get: ask again on the next one.
                continue;
            }
            catch (OperationInterruptedException ex)
            {
                throw RabbitMqConnection.Refused($"RabbitMQ at {_connection.Description} refused to read queue '{Queue}'", ex);
            }

            if (life.IsOver)
            {
                // Lost while the reply was on its way: the broker took the message back, and this tag means nothing now.
                continue;
            }

            if (ReferenceEquals(_unproven, life))
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
            return new GotDelivery(this, life, got.DeliveryTag, message, properties, got.Redelivered);
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
        if (_unproven is not { } life)
        {
            return true;
        }

        if (!life.IsOver)
        {
            try
            {
                await life.Channel.QueueDeclarePassiveAsync(Queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException)
            {
                // Lost or refused: either way the round trip proves nothing, and the life says which.
            }
        }

        bool proven = !life.IsOver;
        if (proven || ReferenceEquals(_unproven, life))
        {
            _unproven = null;
        }

        return proven;
    }

    public async ValueTask DisposeAsync() => await _life.EndAsync().ConfigureAwait(false);

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

        Life life = got.Life;
        if (life.IsOver)
        {
            return MoveOutcome.NotSent;
        }

        try
        {
            await life.Channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
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
        // channel completes: if the channel ends first, the broker may hand the message back.
        _unproven = life;
        if (life.IsOver)
        {
            return MoveOutcome.CopiedNotRemoved;
        }

        try
        {
            await life.Channel.BasicAckAsync(got.Tag, multiple: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException)
        {
            return MoveOutcome.CopiedNotRemoved;
        }

        return life.IsOver ? MoveOutcome.CopiedNotRemoved : MoveOutcome.Moved;
    }

    /// <summary>The current channel life, or a fresh channel once the connection is open again after the last one ended.</summary>
    private async ValueTask<Life> LiveAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        while (_life.IsOver)
        {
            if (_connection.IsOpen && !_connection.Life.IsCancellationRequested)
            {
                // Only once the client has finished recovering the connection (and reopened the old channel in
                // place): the old channel is closed for good, so that nothing is ever acknowledged on it again, and
                // its life stays over for the deliveries that hold it.
                await _life.EndAsync().ConfigureAwait(false);
                try
                {
                    CancellationToken connectionLife = _connection.Life;
                    _life = new Life(await _connection.CreateChannelAsync(s_confirming, cancellationToken).ConfigureAwait(false), connectionLife);
                    break;
                }
                catch (OperationInterruptedException) when (!_connection.IsOpen)
                {
                    // Dropped again while the channel opened; wait for the next recovery.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BrokerException($"The connection to RabbitMQ at {_connection.Description} did not come back within {s_recoveryWait.TotalSeconds:0} s while reading queue '{Queue}'.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        return _life;
    }

    /// <summary>One channel from its opening to its closing; a delivery belongs to the life it was taken in.</summary>
    private sealed class Life
    {
        private readonly CancellationTokenSource _over = new();
        private readonly CancellationTokenRegistration _connectionLife;
        private int _ended;

        public Life(IChannel channel, CancellationToken connectionLife)
        {
            Channel = channel;
            channel.ChannelShutdownAsync += (_, _) => _over.CancelAsync();

            // The connection's loss ends the life too, even if the channel's own shutdown is not reported or the
            // client has already reopened it in place by the time anyone looks.
            _connectionLife = connectionLife.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _over);
        }

        public IChannel Channel { get; }

        public CancellationToken Over => _over.Token;

        public bool IsOver => _over.IsCancellationRequested || !Channel.IsOpen;

        public async ValueTask EndAsync()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            // The connection outlives its readers' channels: a registration left on it would keep this life alive.
            await _connectionLife.DisposeAsync().ConfigureAwait(false);

            // Cancelled, not disposed: deliveries of this life keep reading its token.
            await _over.CancelAsync().ConfigureAwait(false);
            try
            {
                if (Channel.IsOpen)
                {
                    await Channel.CloseAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
            {
                // Closed by the broker or with the connection: its unsettled messages are back in the queue either way.
            }

            await Channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class GotDelivery(RabbitMqQueueReader owner, Life life, ulong tag, TransportMessage message, BasicProperties properties, bool redelivered)
        : Delivery(message, owner.Queue, redelivered)
    {
        private int _settled;

        public RabbitMqQueueReader Owner => owner;

        public Life Life => life;

        public ulong Tag => tag;

        public BasicProperties Properties => properties;

        public override CancellationToken Lost => life.Over;

        public bool Claim() => Interlocked.Exchange(ref _settled, 1) == 0;

        public void Release() => Volatile.Write(ref _settled, 0);

        public override async ValueTask AckAsync()
        {
            if (Claim() && !life.IsOver)
            {
                try
                {
                    await life.Channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
                    owner._unproven = life;
                }
                catch (AlreadyClosedException)
                {
                    // The channel went first; the broker has the message back and Lost says so.
                }
            }
        }

        public override async ValueTask RejectAsync(bool requeue)
        {
            if (Claim() && !life.IsOver)
            {
                try
                {
                    await life.Channel.BasicRejectAsync(tag, requeue).ConfigureAwait(false);
                }
                catch (AlreadyClosedException)
                {
                }
            }
        }
    }
}
