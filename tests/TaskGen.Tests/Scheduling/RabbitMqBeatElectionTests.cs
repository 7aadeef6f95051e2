using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskGen.Protocol;
using TaskGen.Scheduling;
using TaskGen.Transport;

namespace TaskGen.Tests.Scheduling;

/// <summary>
/// The broker election's lease arithmetic on a fake clock, over a transport that plays the single-active-consumer
/// queue: while this process is the active consumer its pings come back to it at once; while another is, they do not.
/// </summary>
public sealed class RabbitMqBeatElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Fence = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero));
    private readonly LeaderQueueTransport _transport = new();
    private RabbitMqBeatElection _election = null!;

    public Task InitializeAsync()
    {
        _election = new RabbitMqBeatElection(_transport, new SchedulerOptions { Name = "unit", LeaseDuration = Lease, FenceMargin = Fence }, _time, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _election.DisposeAsync();

    [Fact]
    public async Task A_term_begins_only_after_a_lease_and_the_fence_of_unbroken_proofs()
    {
        Task<BeatTerm> acquiring = _election.AcquireAsync("beat@unit", CancellationToken.None).AsTask();
        await _transport.WaitForPingsAsync(1);

        // Each step is a third of a lease: a ping goes out and comes back; the fence ends four seconds after the first.
        for (int second = 1; second <= 3; second++)
        {
            await StepAsync();
            Assert.False(acquiring.IsCompleted, $"leading {second} s after the first proof, before the fence");
        }

        await StepAsync();
        BeatTerm term = await acquiring.WaitAsync(Guard);
        Assert.True(term.Leads());
        Assert.Equal(1, term.Epoch);
        Assert.False(term.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_term_ends_when_no_own_ping_comes_back_within_a_lease()
    {
        BeatTerm term = await LeadAsync();

        // Another process is the active consumer now: this one's pings go to it.
        _transport.Active = false;
        await StepAsync();
        await StepAsync();
        Assert.True(term.Leads(), "within a lease of the last proof");
        await StepAsync();
        Assert.False(term.Leads(), "a lease after the last proof");
        await WaitAsync(term.Lost);
    }

    [Fact]
    public async Task A_lost_consumer_ends_the_term_at_once_and_the_next_waits_out_the_fence_again()
    {
        BeatTerm term = await LeadAsync();
        _transport.Interrupt();
        Assert.False(term.Leads());
        await WaitAsync(term.Lost);

        Task<BeatTerm> again = _election.AcquireAsync("beat@unit", CancellationToken.None).AsTask();
        for (int second = 1; second <= 3; second++)
        {
            await StepAsync();
            Assert.False(again.IsCompleted, $"leading again {second} s after the consumer came back, before the fence");
        }

        await StepAsync();
        await StepAsync();
        BeatTerm next = await again.WaitAsync(Guard);
        Assert.True(next.Leads());
        Assert.Equal(2, next.Epoch);
    }

    [Fact]
    public async Task Pings_held_while_another_consumer_was_active_restart_the_fence()
    {
        Task<BeatTerm> acquiring = _election.AcquireAsync("beat@unit", CancellationToken.None).AsTask();
        await _transport.WaitForPingsAsync(1);

        // Pings held back (another consumer active), then handed over a lease late, as a queue would.
        _transport.Active = false;
        for (int step = 0; step < 6; step++)
        {
            await StepAsync();
        }

        _transport.Active = true;
        _transport.Release(_time.GetUtcNow());
        for (int step = 0; step < 3; step++)
        {
            await StepAsync();
            Assert.False(acquiring.IsCompleted, "a candidacy begun by held pings must wait out the fence");
        }
    }

    private async Task<BeatTerm> LeadAsync()
    {
        Task<BeatTerm> acquiring = _election.AcquireAsync("beat@unit", CancellationToken.None).AsTask();
        await _transport.WaitForPingsAsync(1);
        for (int step = 0; step < 4; step++)
        {
            await StepAsync();
        }

        return await acquiring.WaitAsync(Guard);
    }

    /// <summary>Moves the clock a third of a lease and waits until the ping that falls due has been sent.</summary>
    private async Task StepAsync()
    {
        int before = _transport.Pings;
        _time.Advance(Lease / 3);
        await _transport.WaitForPingsAsync(before + 1);
    }

    private static async Task WaitAsync(CancellationToken token)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (token.Register(() => fired.TrySetResult()))
        {
            await fired.Task.WaitAsync(Guard);
        }
    }

    /// <summary>A transport with one single-active-consumer queue whose only consumer is active or not, and a last-value info queue.</summary>
    private sealed class LeaderQueueTransport : ITransport
    {
        private readonly object _lock = new();
        private readonly List<TransportMessage> _held = [];
        private ConsumerSpecification? _consumer;
        private TransportMessage? _info;
        private int _pings;

        public string Description => "fake";

        public bool Active { get; set; } = true;

        public int Pings => Volatile.Read(ref _pings);

        public ValueTask DeclareExchangeAsync(ExchangeSpecification exchange, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken) => ValueTask.FromResult(queue.Name!);

        public ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            if (message.RoutingKey.EndsWith(".info", StringComparison.Ordinal))
            {
                lock (_lock)
                {
                    _info = message;
                }

                return;
            }

            ConsumerSpecification? consumer;
            lock (_lock)
            {
                consumer = Active ? _consumer : null;
                if (consumer is null)
                {
                    _held.Add(message);
                }
            }

            if (consumer is not null)
            {
                await consumer.Handler(new FakeDelivery(message, consumer.Queue));
            }

            Interlocked.Increment(ref _pings);
        }

        public async ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken)
        {
            if (consumer.Prepare is { } prepare)
            {
                await prepare(cancellationToken);
            }

            lock (_lock)
            {
                _consumer = consumer;
            }

            return new FakeConsumer();
        }

        public ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken) => ValueTask.FromResult<(uint, uint)?>(null);

        public ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken) => ValueTask.FromResult(0u);

        public ValueTask<IQueueReader> OpenReaderAsync(string queue, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                return ValueTask.FromResult<IQueueReader>(new InfoReader(queue, _info));
            }
        }

        public void Interrupt() => _consumer?.Interrupted?.Invoke("connection closed");

        /// <summary>Hands the pings held while another consumer was active to this one.</summary>
        public void Release(DateTimeOffset now)
        {
            TransportMessage[] held;
            lock (_lock)
            {
                held = [.. _held];
                _held.Clear();
            }

            foreach (TransportMessage message in held)
            {
                _consumer!.Handler(new FakeDelivery(message, _consumer.Queue)).AsTask().GetAwaiter().GetResult();
            }
        }

        public async Task WaitForPingsAsync(int count)
        {
            DateTime deadline = DateTime.UtcNow + Guard;
            while (Pings < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{count} pings were never sent");
                await Task.Delay(1);
            }

            // The ping loop goes on to renew and then waits on the fake clock; let it get there.
            await Task.Delay(50);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FakeDelivery(TransportMessage message, string queue) : Delivery(message, queue, redelivered: false)
    {
        public override ValueTask AckAsync() => ValueTask.CompletedTask;

        public override ValueTask RejectAsync(bool requeue) => ValueTask.CompletedTask;
    }

    private sealed class FakeConsumer : ITransportConsumer
    {
        public ValueTask CancelAsync() => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class InfoReader(string queue, TransportMessage? info) : IQueueReader
    {
        public string Queue { get; } = queue;

        public ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<Delivery?>(info is null ? null : new FakeDelivery(info, Queue));

        public ValueTask<MoveOutcome> MoveAsync(Delivery delivery, TransportMessage message, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<MoveOutcome> PassAsync(Delivery delivery, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> SettledAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
