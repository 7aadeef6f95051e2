using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>
/// Elects a schedule's sender on the app's RabbitMQ: every scheduler process consumes one single-active-consumer
/// queue, <c>taskgen.beat.&lt;name&gt;.leader</c>, and publishes a ping to it every third of a lease. The broker hands
/// every message to its one active consumer only, so a process that receives one of its own pings knows it was the
/// active consumer when that ping arrived, and may send for one lease from the ping's send time. When the active
/// consumer's connection dies (or the process does), the broker makes the next consumer active; that one leads only
/// after holding unbroken proofs for a lease plus the fence margin, by when the deposed leader's lease has lapsed.
/// </summary>
/// <remarks>
/// Terms are counted in <c>taskgen.beat.&lt;name&gt;.leader.info</c>, a last-value queue holding the current
/// leader's node, start and epoch; a new leader reads it (get, then requeue) and writes the next epoch. The leader
/// rewrites it every lease with a <c>renewed</c> time, and <see cref="ReadLeaderAsync"/> treats a record not renewed
/// for three leases as nobody leading: the consumer count of the leader queue cannot say so, since every process
/// consumes whether it leads or not. That check compares the leader's clock with the reader's, so it is only as
/// good as their agreement; the election itself never compares two processes' clocks.
/// </remarks>
// The ping loop, the candidacy and the term share one lock and one lease clock, and the fence is only sound if they
// are read together; they stay in this file, while the leader record and the log lines live beside it.
internal sealed partial class RabbitMqBeatElection : IBeatElection
{
    /// <summary>How long the leader queue lives on once no process consumes or declares it; it holds nothing worth keeping.</summary>
    private static readonly TimeSpan LeaderQueueExpiry = TimeSpan.FromMinutes(1);

    private readonly ITransport _transport;
    private readonly TimeSpan _lease;
    private readonly TimeSpan _fence;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _lock = new();

    // Processes of one host share a node name (and the three elections of a test share a process): the nonce tells
    // this election's pings from every other's.
    private readonly string _nonce = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly ITimer _timer;

    private string _node = string.Empty;
    private long _sequence;
    private Task? _pinging;
    private ITransportConsumer? _consumer;
    private bool _consumerFailed;

    // The candidacy: since when this process has received the leader queue's messages without a break, and the send
    // time of the newest own ping among them. Both are null while it is not the active consumer as far as it knows.
    private DateTimeOffset? _candidateSince;
    private DateTimeOffset? _lastProof;
    private Term? _term;
    private TaskCompletionSource<Term>? _waiter;
    private long _epoch;
    private DateTimeOffset _renewed;

    /// <summary>Creates the election of the schedule <paramref name="options"/> names on <paramref name="transport"/>.</summary>
    /// <param name="transport">The app's RabbitMQ transport.</param>
    /// <param name="options">The schedule's name, lease and fence margin.</param>
    /// <param name="time">The clock every lease is measured with.</param>
    /// <param name="logger">Logs terms begun and lost.</param>
    public RabbitMqBeatElection(ITransport transport, SchedulerOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LeaseDuration <= TimeSpan.Zero || options.FenceMargin < TimeSpan.Zero)
        {
            throw new TaskAppConfigurationException($"SchedulerOptions.LeaseDuration must be positive and FenceMargin not negative, not {options.LeaseDuration} and {options.FenceMargin}.");
        }

        _transport = transport;
        _lease = options.LeaseDuration;
        _fence = options.FenceMargin;
        _time = time;
        _logger = logger;
        LeaderQueue = $"taskgen.beat.{options.Name}.leader";
        InfoQueue = LeaderQueue + ".info";
        _timer = time.CreateTimer(_ => Evaluate(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The single-active-consumer queue every process consumes and pings.</summary>
    public string LeaderQueue { get; }

    /// <summary>The last-value queue that holds the current leader and epoch.</summary>
    public string InfoQueue { get; }

    /// <inheritdoc />
    public string Description => $"{_transport.Description} queue {LeaderQueue}";

    private TimeSpan PingInterval => _lease / 3;

    /// <inheritdoc />
    public async ValueTask<BeatTerm> AcquireAsync(string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        await StartAsync(node, cancellationToken).ConfigureAwait(false);

        TaskCompletionSource<Term> waiter;
        lock (_lock)
        {
            // A term still running when a new one is asked for is over for whoever asks.
            _term?.End();
            _term = null;
            waiter = _waiter = new TaskCompletionSource<Term>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Evaluate();
        Term term;
        try
        {
            term = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
                else if (waiter.Task.IsCompletedSuccessfully)
                {
                    waiter.Task.Result.End();
                }
            }

            throw;
        }

        // The scheduler's stop ends the term as well as the wait.
        term.EndWith(cancellationToken);
        long epoch = await BeginEpochAsync(term, cancellationToken).ConfigureAwait(false);
        LogTermBegun(_logger, LeaderQueue, epoch, term.Since);
        term.Lost.UnsafeRegister(static state => ((RabbitMqBeatElection)state!).OnTermLost(), this);
        return new BeatTerm(epoch, term.Lost, term.Leads);
    }

    /// <inheritdoc />
    public async ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken)
    {
        LeaderRecord? record = await ReadInfoAsync(cancellationToken).ConfigureAwait(false);
        return record is { } found && _time.GetUtcNow() - found.Renewed < 3 * _lease
            ? new BeatLeaderInfo(found.Node, found.Since, found.Epoch)
            : null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_lock)
        {
            EndCandidacy();
            _waiter?.TrySetCanceled();
            _waiter = null;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        if (_pinging is { } pinging)
        {
            await pinging.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_consumer is { } consumer)
        {
            await StopConsumerAsync(consumer).ConfigureAwait(false);
        }

        _stop.Dispose();
        _startGate.Dispose();
    }

    /// <summary>The leader queue as every process declares it.</summary>
    internal QueueSpecification LeaderQueueSpecification() => new(
        LeaderQueue,
        Durable: true,
        Expires: LeaderQueueExpiry,

        // Pings pile up only while nobody consumes; one older than a lease proves nothing to anyone, so two leases
        // keep the queue short without dropping a ping on its way to a consumer that is just becoming active.
        MessageTtl: 2 * _lease,
        Arguments: new Dictionary<string, object?>(StringComparer.Ordinal) { ["x-single-active-consumer"] = true });

    /// <summary>The info queue: durable, since the epoch must outlive a broker restart, and holding only the newest record.</summary>
    internal QueueSpecification InfoQueueSpecification() => new(
        InfoQueue,
        Durable: true,
        Arguments: new Dictionary<string, object?>(StringComparer.Ordinal) { ["x-max-length"] = 1, ["x-overflow"] = "drop-head" });

    private async ValueTask StartAsync(string node, CancellationToken cancellationToken)
    {
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            if (_pinging is null)
            {
                _node = node;
                await _transport.DeclareQueueAsync(InfoQueueSpecification(), cancellationToken).ConfigureAwait(false);
                await StartConsumerAsync(cancellationToken).ConfigureAwait(false);
                _pinging = Task.Run(() => PingAsync(_stop.Token), CancellationToken.None);
            }
            else if (Volatile.Read(ref _consumerFailed))
            {
                await StartConsumerAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _startGate.Release();
        }
    }

    private async ValueTask StartConsumerAsync(CancellationToken cancellationToken)
    {
        if (_consumer is { } old)
        {
            _consumer = null;
            await StopConsumerAsync(old).ConfigureAwait(false);
        }

        Volatile.Write(ref _consumerFailed, false);
        _consumer = await _transport.ConsumeAsync(
            new ConsumerSpecification(LeaderQueue, OnDeliveryAsync)
            {
                AutoAck = true,
                Prefetch = 1,
                Prepare = async ct => await _transport.DeclareQueueAsync(LeaderQueueSpecification(), ct).ConfigureAwait(false),
                Interrupted = reason => OnConsumerLost(reason),
                Failed = failure =>
                {
                    Volatile.Write(ref _consumerFailed, true);
                    OnConsumerLost(failure.Message);
                },
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask StopConsumerAsync(ITransportConsumer consumer)
    {
        try
        {
            await consumer.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BrokerException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone; so is the consumer.
        }

        await consumer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Pings the leader queue every third of a lease, and has the leader renew its record every lease.</summary>
    private async Task PingAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            // A ping stuck behind a lost connection must not hold up the next: each gets one interval.
            using (var attempt = new CancellationTokenSource(PingInterval, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, attempt.Token))
            {
                try
                {
                    await SendPingAsync(linked.Token).ConfigureAwait(false);
                    await RenewIfLeadingAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                }
                catch (Exception ex) when (ex is BrokerException or MessageNotRoutedException or ObjectDisposedException or InvalidOperationException)
                {
                    LogPingFailed(_logger, LeaderQueue, ex.Message);
                }
            }

            try
            {
                await Task.Delay(PingInterval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (Volatile.Read(ref _consumerFailed))
            {
                await TryRestartConsumerAsync(stop).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask TryRestartConsumerAsync(CancellationToken stop)
    {
        try
        {
            await StartAsync(_node, stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BrokerException or TimeoutException)
        {
            LogPingFailed(_logger, LeaderQueue, ex.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async ValueTask SendPingAsync(CancellationToken cancellationToken)
    {
        long sequence = Interlocked.Increment(ref _sequence);

        // Taken before the publish: the ping proves leadership from no earlier than this, the conservative end.
        DateTimeOffset sent = _time.GetUtcNow();
        var body = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("node", _node);
            writer.WriteString("nonce", _nonce);
            writer.WriteNumber("sequence", sequence);
            writer.WriteNumber("sent", sent.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        var message = new TransportMessage(
            string.Empty,
            LeaderQueue,
            new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 },
            new Dictionary<string, object?>(StringComparer.Ordinal),
            body.WrittenMemory.ToArray())
        {
            // Before the first consumer has declared the queue a ping has nowhere to go, and needs none.
            Mandatory = false,
        };
        await _transport.PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask OnDeliveryAsync(Delivery delivery)
    {
        // A delivery of a channel that is gone was counted against a consumer that is no longer active.
        if (delivery.Lost.IsCancellationRequested)
        {
            return ValueTask.CompletedTask;
        }

        DateTimeOffset? ownPing = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(delivery.Message.Body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("nonce", out JsonElement nonce) && nonce.ValueEquals(_nonce)
                && root.TryGetProperty("sent", out JsonElement sent) && sent.TryGetInt64(out long milliseconds))
            {
                ownPing = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            }
        }
        catch (JsonException)
        {
            // Whatever it is, receiving it still says this consumer is the active one.
        }

        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            CheckLapse(now);
            _candidateSince ??= now;

            // The send time, not the arrival, starts the lease: the leader may have lost the role while it travelled.
            if (ownPing is { } proof && now < proof + _lease && (_lastProof is null || proof > _lastProof))
            {
                _lastProof = proof;
            }
        }

        Evaluate();
        return ValueTask.CompletedTask;
    }

    private void OnConsumerLost(string reason)
    {
        lock (_lock)
        {
            if (_candidateSince is not null)
            {
                LogCandidacyEnded(_logger, LeaderQueue, reason);
            }

            EndCandidacy();
        }
    }

    private void OnTermLost()
    {
        lock (_lock)
        {
            // A term the scheduler's stop ended is forgotten; while this process stays the active consumer with
            // unbroken proofs nobody else can have led, so a new AcquireAsync may begin the next term at once.
            if (_term is { IsOver: true })
            {
                _term = null;
            }
        }
    }

    /// <summary>Ends a lapsed candidacy (and its term), starts a term whose fence wait is over, and sets the timer for the next of these.</summary>
    private void Evaluate()
    {
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            CheckLapse(now);
            if (_candidateSince is not { } since)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            DateTimeOffset fenced = since + _lease + _fence;
            if (_waiter is { } waiter && _term is null && _lastProof is { } proof && now >= fenced && now < proof + _lease)
            {
                _term = new Term(this, since: now);
                _waiter = null;
                waiter.TrySetResult(_term);
            }

            DateTimeOffset next = (_lastProof ?? since) + _lease;
            if (_waiter is not null && _term is null && fenced > now && fenced < next)
            {
                next = fenced;
            }

            TimeSpan due = next - now;
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends the candidacy when no proof renewed it within a lease: this process may have been deposed.</summary>
    private void CheckLapse(DateTimeOffset now)
    {
        if (_candidateSince is { } since && now >= (_lastProof ?? since) + _lease)
        {
            LogCandidacyEnded(_logger, LeaderQueue, "no own ping came back within a lease");
            EndCandidacy();
        }
    }

    private void EndCandidacy()
    {
        _candidateSince = null;
        _lastProof = null;
        _term?.End();
        _term = null;
    }

    /// <summary>Whether <paramref name="term"/> may send now: not ended, and within a lease of the newest proof.</summary>
    private bool Leads(Term term)
    {
        lock (_lock)
        {
            return ReferenceEquals(_term, term) && !term.IsOver && _lastProof is { } proof && _time.GetUtcNow() < proof + _lease;
        }
    }

    /// <summary>One term: ended by a lapse, a lost consumer, a new candidacy, or the scheduler's stop.</summary>
    private sealed class Term
    {
        private readonly CancellationTokenSource _lost = new();
        private readonly RabbitMqBeatElection _owner;
        private volatile bool _over;

        public Term(RabbitMqBeatElection owner, DateTimeOffset since)
        {
            _owner = owner;
            Since = since;
            Lost = _lost.Token;
            Leads = () => _owner.Leads(this);
        }

        public DateTimeOffset Since { get; }

        public CancellationToken Lost { get; }

        public Func<bool> Leads { get; }

        /// <summary>Whether the term has ended; true at once, before <see cref="Lost"/>'s callbacks have run.</summary>
        public bool IsOver => _over;

        /// <summary>Ends the term. It is called under the election's lock, so Lost's callbacks run on the thread pool.</summary>
        public void End()
        {
            if (!_over)
            {
                _over = true;
                ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), _lost, preferLocal: false);
            }
        }

        public void EndWith(CancellationToken stop) =>
            stop.UnsafeRegister(
                static state =>
                {
                    var term = (Term)state!;
                    lock (term._owner._lock)
                    {
                        term.End();
                    }
                },
                this);
    }
}
