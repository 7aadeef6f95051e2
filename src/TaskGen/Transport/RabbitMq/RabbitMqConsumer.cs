using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// One consumer on its own channel, with the one path that brings it back: when the broker closes the
/// channel while the connection lives (a consumer timeout, a refused acknowledgement) or cancels the
/// consumer (its queue deleted, the node hosting it gone), the old channel is disposed, the queue is
/// declared again and consuming resumes, a bounded number of times. After a network failure RabbitMQ.Client
/// recovers channel and consumer itself. Either way every delivery the lost channel held is void.
/// </summary>
internal sealed partial class RabbitMqConsumer : ITransportConsumer
{
    private const int MaxRestartAttempts = 12;

    private readonly RabbitMqConnection _connection;
    private readonly ConsumerSpecification _specification;

    // Serializes what changes the channel or the consumer tag: start, restart, the rotation of held messages, cancel.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ChannelLife? _life;
    private IChannel? _channel;
    private string _queue;
    private string? _tag;
    private int _heldOnTag;
    private int _restarting;
    private volatile bool _cancelled;

    public RabbitMqConsumer(RabbitMqConnection connection, ConsumerSpecification specification)
    {
        _connection = connection;
        _specification = specification;
        _queue = specification.Queue;
    }

    /// <summary>How many consumer restarts have succeeded, for tests and <c>inspect stats</c>.</summary>
    public int Restarts { get; private set; }

    // Messages held until their ETA count against the prefetch window of the consumer they came to; once they
    // fill half of it, a fresh consumer takes over, since basic.qos never widens a running consumer's window.
    private int RotationThreshold => Math.Max(1, _specification.Prefetch / 2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask CancelAsync()
    {
        if (_cancelled)
        {
            return;
        }

        _cancelled = true;
        await FlushAcksAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_channel is { IsOpen: true } channel && _tag is not null)
            {
                await channel.BasicCancelAsync(_tag).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException)
        {
            // Gone already: nothing more will be delivered.
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Acks still batched go out first; closing the channel hands every unacknowledged delivery back to the broker.
            await FlushAcksAsync().ConfigureAwait(false);
            await CloseAsync(_channel).ConfigureAwait(false);
            _channel = null;
            Interlocked.Exchange(ref _life, null)?.End();
        }
        finally
        {
            _gate.Release();
        }
    }

    private ushort Window => (ushort)Math.Clamp(_specification.Prefetch, 1, ushort.MaxValue);

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        string queue = _specification.Prepare is { } prepare ? await prepare(cancellationToken).ConfigureAwait(false) : _specification.Queue;
        IChannel channel = await _connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);

        // The life begins before consuming does: the broker may deliver before basic.consume-ok is read, and a
        // delivery that found no life of its channel would be dropped and stay unacknowledged.
        ChannelLife life = BeginLife(channel);
        try
        {
            if (!_specification.AutoAck)
            {
                await channel.BasicQosAsync(0, Window, global: false, cancellationToken).ConfigureAwait(false);
            }

            string tag = await channel.BasicConsumeAsync(queue, _specification.AutoAck, new Subscriber(this, channel), cancellationToken).ConfigureAwait(false);

            // Attached only once consuming has started, so a failed start can never begin a second restart.
            channel.ChannelShutdownAsync += (_, args) => OnChannelShutdownAsync(channel, args);
            _channel = channel;
            _queue = queue;
            _tag = tag;
            _heldOnTag = 0;
        }
        catch (Exception ex)
        {
            if (Interlocked.CompareExchange(ref _life, null, life) == life)
            {
                life.End();
            }

            await CloseAsync(channel).ConfigureAwait(false);
            if (ex is OperationInterruptedException interrupted)
            {
                throw RabbitMqConnection.Refused($"Cannot consume queue '{queue}'", interrupted);
            }

            throw;
        }
    }

    private async ValueTask HoldAsync(RabbitDelivery delivery)
    {
        if (_specification.AutoAck || delivery.Lost.IsCancellationRequested)
        {
            return;
        }

        if (delivery.Acks is { } acks)
        {
            await acks.HeldAsync(delivery.Tag).ConfigureAwait(false);
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cancelled || delivery.ConsumerTag != _tag || _channel is not { IsOpen: true } channel || ++_heldOnTag < RotationThreshold)
            {
                return;
            }

            // The old consumer's deliveries stay unacknowledged on the channel and are settled by their tags.
            string old = _tag;
            _tag = await channel.BasicConsumeAsync(_queue, autoAck: false, new Subscriber(this, channel)).ConfigureAwait(false);
            _heldOnTag = 0;
            await channel.BasicCancelAsync(old).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException)
        {
            // The channel went away; its held messages return to the queue with it.
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task OnChannelShutdownAsync(IChannel channel, ShutdownEventArgs args)
    {
        if (!ReferenceEquals(channel, _channel) || args.Initiator == ShutdownInitiator.Application)
        {
            return Task.CompletedTask;
        }

        Invalidate();
        _specification.Interrupted?.Invoke(args.ReplyText);

        // Connection failures are RabbitMQ.Client's to mend; ours is a channel the broker closed on its own.
        if (!_cancelled && _connection.IsOpen)
        {
            ScheduleRestart(args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private void OnBrokerCancel(string consumerTag)
    {
        if (_cancelled || consumerTag != _tag)
        {
            return;
        }

        Invalidate();
        _specification.Interrupted?.Invoke("the broker cancelled the consumer");
        ScheduleRestart("the broker cancelled the consumer (queue deleted or its node lost)");
    }

    /// <summary>
    /// Voids every delivery of the channel as it was: their messages go back to the queue with it. The channel object
    /// may live on (RabbitMQ.Client recovers it in place after a network failure), so it gets a life of its own, with a
    /// book that starts empty.
    /// </summary>
    private void Invalidate()
    {
        ChannelLife? old = Volatile.Read(ref _life);
        if (old is not null && Interlocked.CompareExchange(ref _life, NewLife(old.Channel), old) == old)
        {
            old.End();
        }
    }

    /// <summary>Makes <paramref name="channel"/> the one whose deliveries count, and ends the life of the one before it.</summary>
    internal ChannelLife BeginLife(IChannel channel)
    {
        ChannelLife life = NewLife(channel);
        Interlocked.Exchange(ref _life, life)?.End();
        return life;
    }

    private ChannelLife NewLife(IChannel channel) =>
        new(channel, _specification.AutoAck || _specification.AckBatchSize <= 1 ? 0 : _specification.AckBatchSize);

    private void ScheduleRestart(string reason)
    {
        if (_cancelled || Interlocked.Exchange(ref _restarting, 1) == 1)
        {
            return;
        }

        LogConsumerRestarting(_connection.Logger, _queue, reason);
        _ = Task.Run(RestartAsync);
    }

    private async Task RestartAsync()
    {
        Exception? last = null;
        for (int attempt = 1; attempt <= MaxRestartAttempts && !_cancelled; attempt++)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                IChannel? old = _channel;
                _channel = null;
                _tag = null;
                Interlocked.Exchange(ref _life, null)?.End();
                await CloseAsync(old).ConfigureAwait(false);
                await OpenAsync(CancellationToken.None).ConfigureAwait(false);
                Restarts++;
                LogConsumerRestarted(_connection.Logger, _queue, attempt);
                Volatile.Write(ref _restarting, 0);
                return;
            }
            catch (Exception ex) when (ex is BrokerException or OperationInterruptedException or AlreadyClosedException or System.IO.IOException or TimeoutException)
            {
                last = ex;
            }
            finally
            {
                _gate.Release();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * attempt * attempt))).ConfigureAwait(false);
        }

        if (!_cancelled)
        {
            Exception failure = new BrokerException($"The consumer of queue '{_queue}' could not be restored after {MaxRestartAttempts} attempts: {last?.Message}", last);
            LogConsumerFailed(_connection.Logger, _queue, MaxRestartAttempts, last?.Message ?? "unknown");
            _specification.Failed?.Invoke(failure);
        }
    }

    private ValueTask FlushAcksAsync() => Volatile.Read(ref _life)?.Acks is { } acks ? acks.FlushAllAsync() : ValueTask.CompletedTask;

    private static async ValueTask CloseAsync(IChannel? channel)
    {
        if (channel is null)
        {
            return;
        }

        try
        {
            if (channel.IsOpen)
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or System.IO.IOException or TimeoutException or ObjectDisposedException)
        {
            // Closing is best effort: a channel that is already gone has returned its messages.
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The consumer of '{Queue}' was interrupted ({Reason}); declaring its queue again and resuming.")]
    private static partial void LogConsumerRestarting(ILogger logger, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming '{Queue}' again (attempt {Attempt}).")]
    private static partial void LogConsumerRestarted(ILogger logger, string queue, int attempt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The consumer of '{Queue}' could not be restored after {Attempts} attempts: {Reason}")]
    private static partial void LogConsumerFailed(ILogger logger, string queue, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped delivery {DeliveryTag} of queue '{Queue}': its channel is gone, and the broker delivers the message again.")]
    private static partial void LogDroppedStale(ILogger logger, ulong deliveryTag, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "A handler of queue '{Queue}' threw; the message is rejected without requeue.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string queue);

    /// <summary>Receives one consumer tag's deliveries and the broker's cancel of it.</summary>
    internal sealed class Subscriber(RabbitMqConsumer owner, IChannel channel) : AsyncDefaultBasicConsumer(channel)
    {
        private readonly IChannel _channel = channel;

        public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            ConsumerSpecification specification = owner._specification;

            // The life is read before the client's token: RabbitMQ.Client cancels that token (the channel is quiescing)
            // before it reports the shutdown that ends the life, so a delivery that reads the life after it ended sees
            // the token cancelled. Either way a delivery of a dead channel is dropped, not run: the client still hands
            // over what it had buffered, and the broker delivers those messages again. Not so without acks: the broker
            // counts such a message as taken once sent, so it is handled whatever became of its channel.
            ChannelLife? life = Volatile.Read(ref owner._life);
            bool stale = cancellationToken.IsCancellationRequested || life is null || !ReferenceEquals(life.Channel, _channel) || life.Lost.IsCancellationRequested;
            if (stale && !specification.AutoAck)
            {
                LogDroppedStale(owner._connection.Logger, deliveryTag, owner._queue);
                return;
            }

            // Deliveries of one channel come here one at a time and in tag order, which the ack batch relies on.
            RabbitMqAckBatch? acks = stale ? null : life!.Acks;
            if (acks is not null && !acks.Delivered(deliveryTag))
            {
                acks = null;
            }

            var delivery = new RabbitDelivery(
                owner, _channel, acks, consumerTag, deliveryTag, stale ? CancellationToken.None : life!.Lost,
                RabbitMqProperties.ReadMessage(exchange, routingKey, properties, body), owner._queue, redelivered, specification.AutoAck);
            try
            {
                await specification.Handler(delivery).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A handler must not throw; if one does, the message is kept (dead-lettered), not redelivered in a loop.
                LogHandlerFailed(owner._connection.Logger, ex, owner._queue);
                await delivery.RejectAsync(requeue: false).ConfigureAwait(false);
            }
        }

        public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
        {
            await base.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
            owner.OnBrokerCancel(consumerTag);
        }
    }
}
