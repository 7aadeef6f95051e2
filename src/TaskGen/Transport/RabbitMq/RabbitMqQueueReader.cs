using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// Reads a queue with <c>basic.get</c> on a channel of its own: what it takes stays unacknowledged until settled,
/// and closing the channel hands every unsettled message back to the queue in its place. No QoS is set, since
/// <c>basic.get</c> ignores the prefetch window (and RabbitMQ 4 has no global QoS to set).
/// </summary>
internal sealed class RabbitMqQueueReader : IQueueReader
{
    private readonly RabbitMqConnection _connection;
    private readonly IChannel _channel;

    // Delivery tags belong to one channel's life: after a recovery they start again, so an old tag could settle
    // another message. Once the channel shuts down, every delivery taken before is void.
    private readonly CancellationTokenSource _lost = new();

    private RabbitMqQueueReader(RabbitMqConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        Queue = queue;
        _channel.ChannelShutdownAsync += (_, _) => _lost.CancelAsync();
    }

    public string Queue { get; }

    public static async ValueTask<RabbitMqQueueReader> OpenAsync(RabbitMqConnection connection, string queue, CancellationToken cancellationToken)
    {
        IChannel channel = await connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        return new RabbitMqQueueReader(connection, channel, queue);
    }

    public async ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken)
    {
        BasicGetResult? got;
        try
        {
            got = await _channel.BasicGetAsync(Queue, autoAck: false, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyClosedException ex)
        {
            throw new BrokerException($"The channel reading queue '{Queue}' on RabbitMQ at {_connection.Description} closed: {ex.ShutdownReason?.ReplyText ?? ex.Message}", ex);
        }
        catch (OperationInterruptedException ex)
        {
            throw RabbitMqConnection.Refused($"RabbitMQ at {_connection.Description} refused to read queue '{Queue}'", ex);
        }

        if (got is null)
        {
            return null;
        }

        TransportMessage message = RabbitMqProperties.ReadMessage(got.Exchange, got.RoutingKey, got.BasicProperties, got.Body);
        return new GotDelivery(this, got.DeliveryTag, message, got.Redelivered);
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
        _lost.Dispose();
    }

    private sealed class GotDelivery(RabbitMqQueueReader owner, ulong tag, TransportMessage message, bool redelivered)
        : Delivery(message, owner.Queue, redelivered)
    {
        private readonly CancellationToken _lostToken = owner._lost.Token;
        private int _settled;

        public override CancellationToken Lost => _lostToken;

        public override async ValueTask AckAsync()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && !_lostToken.IsCancellationRequested)
            {
                try
                {
                    await owner._channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
                }
                catch (AlreadyClosedException)
                {
                    // The channel went first; the broker has the message back and Lost says so.
                }
            }
        }

        public override async ValueTask RejectAsync(bool requeue)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && !_lostToken.IsCancellationRequested)
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
