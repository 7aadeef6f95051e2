using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Transport;

/// <summary>
/// The transport for <c>memory://</c> URLs: every app in the process that names the same broker shares
/// its queues. Message TTLs and priorities are not modelled.
/// </summary>
public sealed class InMemoryTransport : ITransport
{
    private readonly InMemoryBroker _broker;

    /// <summary>Creates a transport over <paramref name="broker"/>.</summary>
    /// <param name="broker">The broker; see <see cref="InMemoryBroker.Named"/>.</param>
    public InMemoryTransport(InMemoryBroker broker) => _broker = broker;

    /// <summary>The broker this transport uses.</summary>
    public InMemoryBroker Broker => _broker;

    /// <inheritdoc />
    public string Description => "memory://";

    /// <inheritdoc />
    public ValueTask DeclareTaskQueueAsync(QueueDeclaration queue, CancellationToken cancellationToken)
    {
        if (queue.Broadcast)
        {
            _broker.DeclareExchange(queue.Name, fanout: true);
        }
        else
        {
            _broker.DeclareExchange(queue.Name, fanout: false);
            _broker.DeclareQueue(queue.Name);
            _broker.Bind(queue.Name, queue.Name, queue.Name);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<string> DeclarePrivateQueueAsync(string? name, string? bindToFanout, CancellationToken cancellationToken)
    {
        string queueName = name ?? "amq.gen-" + Guid.NewGuid().ToString("N");
        _broker.DeclareQueue(queueName);
        if (bindToFanout is not null)
        {
            _broker.DeclareExchange(bindToFanout, fanout: true);
            _broker.Bind(bindToFanout, queueName, string.Empty);
        }

        return ValueTask.FromResult(queueName);
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _broker.Route(message)
            ? ValueTask.CompletedTask
            : ValueTask.FromException(new MessageNotRoutedException(message.Exchange, message.RoutingKey));
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> ConsumeAsync(string queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler, CancellationToken cancellationToken)
    {
        InMemoryBroker.MemoryQueue target = _broker.FindQueue(queue)
            ?? throw new InvalidOperationException($"Queue '{queue}' does not exist: declare it before consuming.");
        var consumer = new Consumer(_broker, target, Math.Max(1, prefetch), autoAck, handler);
        return ValueTask.FromResult<IAsyncDisposable>(consumer);
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
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Consumer : IAsyncDisposable
    {
        private readonly InMemoryBroker _broker;
        private readonly InMemoryBroker.MemoryQueue _queue;
        private readonly SemaphoreSlim _window;
        private readonly bool _autoAck;
        private readonly Func<Delivery, ValueTask> _handler;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Consumer(InMemoryBroker broker, InMemoryBroker.MemoryQueue queue, int prefetch, bool autoAck, Func<Delivery, ValueTask> handler)
        {
            _broker = broker;
            _queue = queue;
            _window = new SemaphoreSlim(prefetch, prefetch);
            _autoAck = autoAck;
            _handler = handler;
            _queue.AddConsumer();
            _loop = Task.Run(RunAsync);
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _queue.RemoveConsumer();
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

                await _handler(delivery).ConfigureAwait(false);
            }
        }

        private sealed class MemoryDelivery(Consumer owner, InMemoryBroker.MemoryEnvelope envelope)
            : Delivery(envelope.Message, owner._queue.Name, envelope.Redelivered)
        {
            private int _settled;

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

            public bool Settle()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0)
                {
                    return false;
                }

                owner._window.Release();
                return !owner._autoAck;
            }
        }
    }
}
