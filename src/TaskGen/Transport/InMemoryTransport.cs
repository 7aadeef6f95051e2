using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// The transport for <c>memory://</c> URLs: every app in the process that names the same broker shares
/// its queues. Message TTLs, queue expiry, exclusivity, queue types and priorities are not modelled.
/// </summary>
internal sealed partial class InMemoryTransport : ITransport
{
    private readonly InMemoryBroker _broker;
    private readonly ILogger _logger;

    /// <summary>Creates a transport over <paramref name="broker"/>.</summary>
    /// <param name="broker">The broker; see <see cref="InMemoryBroker.Named"/>.</param>
    public InMemoryTransport(InMemoryBroker broker)
        : this(broker, NullLogger.Instance)
    {
    }

    /// <summary>Creates a transport over <paramref name="broker"/> that logs what its consumers' handlers throw.</summary>
    /// <param name="broker">The broker; see <see cref="InMemoryBroker.Named"/>.</param>
    /// <param name="logger">Where a handler's failure is reported.</param>
    public InMemoryTransport(InMemoryBroker broker, ILogger logger)
    {
        _broker = broker;
        _logger = logger;
    }

    /// <summary>The broker this transport uses.</summary>
    public InMemoryBroker Broker => _broker;

    /// <inheritdoc />
    public string Description => "memory://";

    /// <inheritdoc />
    public ValueTask DeclareExchangeAsync(ExchangeSpecification exchange, CancellationToken cancellationToken)
    {
        _broker.DeclareExchange(exchange.Name, exchange.Kind);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken)
    {
        string name = string.IsNullOrEmpty(queue.Name) ? "amq.gen-" + Guid.NewGuid().ToString("N") : queue.Name;
        _broker.DeclareQueue(name);
        return ValueTask.FromResult(name);
    }

    /// <inheritdoc />
    public ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken)
    {
        _broker.Bind(exchange, queue, routingKey);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _broker.Route(message) || !message.Mandatory
            ? ValueTask.CompletedTask
            : ValueTask.FromException(new MessageNotRoutedException(message.Exchange, message.RoutingKey));
    }

    /// <inheritdoc />
    public async ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken)
    {
        // An in-memory broker never loses a channel, so Prepare runs once and Interrupted never fires.
        string queue = consumer.Prepare is { } prepare ? await prepare(cancellationToken).ConfigureAwait(false) : consumer.Queue;
        InMemoryBroker.MemoryQueue target = _broker.FindQueue(queue)
            ?? throw new InvalidOperationException($"NOT_FOUND - no queue '{queue}': declare it before consuming.");
        return new Consumer(_broker, target, Math.Max(1, consumer.Prefetch), consumer.AutoAck, consumer.Handler, _logger);
    }

    /// <inheritdoc />
    public ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken)
    {
        InMemoryBroker.MemoryQueue? target = _broker.FindQueue(queue);
        return ValueTask.FromResult<(uint, uint)?>(target is null ? null : ((uint)target.Messages.Reader.Count, (uint)target.Consumers));
    }

    /// <inheritdoc />
    public ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken)
    {
        InMemoryBroker.MemoryQueue? target = _broker.FindQueue(queue);
        uint purged = 0;
        while (target is not null && target.Messages.Reader.TryRead(out _))
        {
            purged++;
        }

        return ValueTask.FromResult(purged);
    }

    /// <inheritdoc />
    public ValueTask<IQueueReader> OpenReaderAsync(string queue, CancellationToken cancellationToken)
    {
        // As RabbitMQ answers basic.get on a missing queue: 404, so callers handle both transports alike.
        InMemoryBroker.MemoryQueue target = _broker.FindQueue(queue)
            ?? throw new BrokerException($"NOT_FOUND - no queue '{queue}' on memory://.", replyCode: 404);
        return ValueTask.FromResult<IQueueReader>(new InMemoryQueueReader(_broker, target));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Consumer : ITransportConsumer
    {
        private readonly InMemoryBroker _broker;
        private readonly InMemoryBroker.MemoryQueue _queue;
        private readonly SemaphoreSlim _window;
        private readonly bool _autoAck;
        private readonly Func<Delivery, ValueTask> _handler;
        private readonly ILogger _logger;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<MemoryDelivery, bool> _unsettled = new();
        private readonly Task _loop;
        private int _cancelled;

        public Consumer(InMemoryBroker broker, InMemoryBroker.MemoryQueue queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler, ILogger logger)
        {
            _logger = logger;
            _broker = broker;
            _queue = queue;
            // No ceiling: a held ETA message gives its slot back, widening the window past its starting size.
            _window = new SemaphoreSlim(prefetch);
            _autoAck = autoAck;
            _handler = handler;
            _queue.AddConsumer();
            _loop = Task.Run(RunAsync);
        }

        public async ValueTask CancelAsync()
        {
            if (Interlocked.Exchange(ref _cancelled, 1) != 0)
            {
                return;
            }

            _stop.Cancel();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _queue.RemoveConsumer();
        }

        public async ValueTask DisposeAsync()
        {
            await CancelAsync().ConfigureAwait(false);

            // As when a channel closes: whatever was delivered but never settled goes back to the queue.
            foreach (MemoryDelivery delivery in _unsettled.Keys)
            {
                await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            }

            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            CancellationToken stop = _stop.Token;
            while (!stop.IsCancellationRequested)
            {
                // The prefetch window bounds unsettled deliveries, as basic.qos does on a real broker.
                await _window.WaitAsync(stop).ConfigureAwait(false);
                InMemoryBroker.MemoryEnvelope envelope;
                try
                {
                    envelope = await _queue.Messages.Reader.ReadAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _window.Release();
                    throw;
                }

                var delivery = new MemoryDelivery(this, envelope);
                if (_autoAck)
                {
                    delivery.Settle();
                }
                else
                {
                    _unsettled.TryAdd(delivery, true);
                }

                try
                {
                    await _handler(delivery).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // As RabbitMQ.Client does with a throwing consumer callback: the failure is reported, the
                    // delivery stays unsettled until the consumer goes, and the next delivery is handled.
                    LogHandlerFailed(_logger, ex, _queue.Name);
                }
            }
        }

        private sealed class MemoryDelivery(Consumer owner, InMemoryBroker.MemoryEnvelope envelope)
            : Delivery(envelope.Message, owner._queue.Name, envelope.Redelivered)
        {
            private int _settled;
            private int _held;

            public override ValueTask AckAsync()
            {
                Settle();
                return ValueTask.CompletedTask;
            }

            public override ValueTask RejectAsync(bool requeue)
            {
                if (Settle())
                {
                    if (requeue)
                    {
                        owner._queue.Messages.Writer.TryWrite(envelope with { Redelivered = true });
                    }
                    else
                    {
                        owner._broker.DeadLetter(Message);
                    }
                }

                return ValueTask.CompletedTask;
            }

            public override ValueTask HoldAsync()
            {
                // A held message gives its window slot back at once, and does not give it again when settled.
                if (!owner._autoAck && Interlocked.Exchange(ref _held, 1) == 0 && Volatile.Read(ref _settled) == 0)
                {
                    owner._window.Release();
                }

                return ValueTask.CompletedTask;
            }

            public bool Settle()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0)
                {
                    return false;
                }

                owner._unsettled.TryRemove(this, out _);
                if (Volatile.Read(ref _held) == 0)
                {
                    owner._window.Release();
                }

                return !owner._autoAck;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The consumer of memory:// queue {Queue} failed to handle a delivery and goes on with the next.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string queue);
}
