using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// Reads a <c>memory://</c> queue message by message, as <c>basic.get</c> does: what it leaves unsettled goes back
/// to the head of the queue, in the order it was taken, when the reader is disposed. The order holds while nothing
/// else consumes the queue, which is how queues are browsed (a dead-letter queue has no consumer).
/// </summary>
internal sealed class InMemoryQueueReader(InMemoryBroker broker, InMemoryBroker.MemoryQueue queue) : IQueueReader
{
    private readonly InMemoryBroker _broker = broker;
    private readonly List<Taken> _taken = [];
    private int _disposed;

    public string Queue => queue.Name;

    public ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_taken)
        {
            if (Volatile.Read(ref _disposed) != 0 || !queue.Messages.Reader.TryRead(out InMemoryBroker.MemoryEnvelope? envelope))
            {
                return ValueTask.FromResult<Delivery?>(null);
            }

            var taken = new Taken(this, envelope);
            _taken.Add(taken);
            return ValueTask.FromResult<Delivery?>(taken);
        }
    }

    public ValueTask<MoveOutcome> MoveAsync(Delivery delivery, TransportMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Taken taken = Own(delivery);
        if (!_broker.Route(message))
        {
            return ValueTask.FromResult(MoveOutcome.NotRouted);
        }

        taken.Settle();
        return ValueTask.FromResult(MoveOutcome.Moved);
    }

    public ValueTask<MoveOutcome> PassAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Taken taken = Own(delivery);
        queue.Messages.Writer.TryWrite(taken.Envelope with { Redelivered = false });
        taken.Settle();
        return ValueTask.FromResult(MoveOutcome.Moved);
    }

    // Nothing is lost between this reader and its broker, so every acknowledgement has arrived.
    public ValueTask<bool> SettledAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (_taken)
        {
            // A channel cannot be written at its head, so the messages behind are taken out and written after.
            var behind = new List<InMemoryBroker.MemoryEnvelope>();
            while (queue.Messages.Reader.TryRead(out InMemoryBroker.MemoryEnvelope? waiting))
            {
                behind.Add(waiting);
            }

            foreach (Taken taken in _taken)
            {
                if (taken.ReturnsToQueue)
                {
                    queue.Messages.Writer.TryWrite(taken.Envelope with { Redelivered = true });
                }
            }

            foreach (InMemoryBroker.MemoryEnvelope waiting in behind)
            {
                queue.Messages.Writer.TryWrite(waiting);
            }
        }

        return ValueTask.CompletedTask;
    }

    private Taken Own(Delivery delivery) =>
        delivery is Taken taken && ReferenceEquals(taken.Owner, this)
            ? taken
            : throw new ArgumentException($"The delivery was not taken by this reader of '{Queue}'.", nameof(delivery));

    private sealed class Taken(InMemoryQueueReader owner, InMemoryBroker.MemoryEnvelope envelope)
        : Delivery(envelope.Message, owner.Queue, envelope.Redelivered)
    {
        private int _settled;
        private bool _requeued;

        public InMemoryQueueReader Owner => owner;

        public InMemoryBroker.MemoryEnvelope Envelope => envelope;

        /// <summary>Unsettled, or rejected with requeue: either way it goes back in its place when the reader goes.</summary>
        public bool ReturnsToQueue => Volatile.Read(ref _settled) == 0 || _requeued;

        public void Settle() => Interlocked.Exchange(ref _settled, 1);

        public override ValueTask AckAsync()
        {
            Settle();
            return ValueTask.CompletedTask;
        }

        public override ValueTask RejectAsync(bool requeue)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0)
            {
                if (requeue)
                {
                    _requeued = true;
                }
                else
                {
                    owner._broker.DeadLetter(Message);
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
