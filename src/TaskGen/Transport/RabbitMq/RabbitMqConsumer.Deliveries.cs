using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <content>What a delivery is tied to: the life of the channel it came on, and the settling of it on that channel alone.</content>
internal sealed partial class RabbitMqConsumer
{
    /// <summary>
    /// One channel from its opening (or its recovery) to its loss: the token that voids its deliveries, and the one
    /// ack book they all share, never replaced while the life lasts, so that no multiple ack of another book can
    /// cover a tag that still runs.
    /// </summary>
    internal sealed class ChannelLife
    {
        private readonly CancellationTokenSource _lost = new();

        public ChannelLife(IChannel channel, int ackBatchSize)
        {
            Channel = channel;
            Lost = _lost.Token;
            Acks = ackBatchSize > 1 ? new RabbitMqAckBatch(channel, Lost, ackBatchSize) : null;
        }

        public IChannel Channel { get; }

        public CancellationToken Lost { get; }

        public RabbitMqAckBatch? Acks { get; }

        /// <summary>Voids the life's deliveries and stops its book; acks it still holds would name tags the broker took back.</summary>
        public void End()
        {
            _lost.Cancel();
            Acks?.Dispose();
        }
    }

    private sealed class RabbitDelivery(
        RabbitMqConsumer owner, IChannel channel, RabbitMqAckBatch? acks, string consumerTag, ulong tag, CancellationToken lost, TransportMessage message, string queue, bool redelivered, bool autoAck)
        : Delivery(message, queue, redelivered)
    {
        private int _settled = autoAck ? 1 : 0;

        public string ConsumerTag => consumerTag;

        public ulong Tag => tag;

        /// <summary>The batch its ack joins, or null when it is acknowledged on its own.</summary>
        public RabbitMqAckBatch? Acks => acks;

        public override CancellationToken Lost => lost;

        public override ValueTask HoldAsync() => owner.HoldAsync(this);

        public override async ValueTask AckAsync()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && !lost.IsCancellationRequested)
            {
                if (acks is not null)
                {
                    await acks.FinishedAsync(tag).ConfigureAwait(false);
                    return;
                }

                try
                {
                    await channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
                }
                catch (AlreadyClosedException)
                {
                    // The channel went between the check and the ack; the broker takes the message back with it.
                }
            }
        }

        public override async ValueTask RejectAsync(bool requeue)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && !lost.IsCancellationRequested)
            {
                try
                {
                    // A reject goes out on its own, before the batch learns of it, so no multiple ack covers the tag first.
                    await channel.BasicRejectAsync(tag, requeue).ConfigureAwait(false);
                    acks?.SettledAlone(tag);
                }
                catch (AlreadyClosedException)
                {
                }
            }
        }
    }
}
