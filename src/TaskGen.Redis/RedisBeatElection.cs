using System;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TaskGen.Results;
using TaskGen.Scheduling;

namespace TaskGen.Redis;

/// <summary>
/// Elects a schedule's sender through a lease in the Redis result backend (<c>SchedulerOptions.Election = "redis"</c>):
/// whoever takes the key <c>taskgen-beat-&lt;name&gt;-leader</c> leads while it renews it every third of the lease.
/// </summary>
/// <remarks>
/// A leader counts its lease from when it sent its last successful renewal, not from when the reply came, so it stops
/// sending no later than Redis lets the key expire; a new leader waits the lease and the fence margin more before it
/// sends, so a deposed leader whose renewals stopped reaching Redis has stopped first.
/// </remarks>
internal sealed partial class RedisBeatElection : IBeatElection
{
    private readonly IBeatLease _lease;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _fence;
    private readonly TimeSpan _renewEvery;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private Term? _term;

    /// <summary>Holds the election on <paramref name="lease"/> with the timing of <paramref name="options"/>.</summary>
    /// <param name="lease">The lease's commands; disposed with the election.</param>
    /// <param name="options">The lease duration and fence margin.</param>
    /// <param name="time">The clock every lease calculation and wait goes by.</param>
    /// <param name="logger">Where terms won and lost are told.</param>
    public RedisBeatElection(IBeatLease lease, SchedulerOptions options, TimeProvider time, ILogger logger)
    {
        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            throw new TaskAppConfigurationException($"SchedulerOptions.LeaseDuration must be positive, not {options.LeaseDuration}.");
        }

        if (options.FenceMargin < TimeSpan.Zero)
        {
            throw new TaskAppConfigurationException($"SchedulerOptions.FenceMargin must not be negative, not {options.FenceMargin}.");
        }

        _lease = lease;
        _duration = options.LeaseDuration;
        _fence = options.FenceMargin;
        _renewEvery = options.LeaseDuration / 3;
        _time = time;
        _logger = logger;
    }

    /// <summary>The election of <paramref name="app"/>, on a connection of its own to the app's Redis result backend.</summary>
    /// <exception cref="TaskAppConfigurationException">The app's result backend is not Redis.</exception>
    public static IBeatElection Create(TaskApp app, SchedulerOptions options, TimeProvider time)
    {
        TaskAppOptions settings = app.Options;
        if (!ResultBackends.IsRedis(settings.ResultBackend))
        {
            throw new TaskAppConfigurationException(
                $"SchedulerOptions.Election is 'redis' but the app's ResultBackend is '{Transport.BrokerUrls.Redact(settings.ResultBackend)}': set ResultBackend to redis://host:port/db, or use the broker's election (Election = \"broker\").");
        }

        // A connection of its own, so that renewals never wait behind result traffic, and a lost connection ends only the lease.
        var connection = new RedisResultConnection(
            RedisUrl.Parse(settings.ResultBackend),
            $"taskgen-beat-{Environment.ProcessId}",
            settings.ResultBackendMasterName,
            settings.ResultBackendUseTls,
            settings.ResultBackendTlsCaCertificate);
        return new RedisBeatElection(new RedisBeatLease(connection, options.Name, ownsConnection: true), options, time, app.LoggerFactory.CreateLogger("TaskGen.Beat"));
    }

    public string Description => _lease.Description;

    public async ValueTask<BeatTerm> AcquireAsync(string node, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        CancellationToken stop = waiting.Token;

        // A caller asks again once its term is lost; a term it dropped without waiting for its end is ended now.
        if (Interlocked.Exchange(ref _term, null) is { } previous)
        {
            await previous.EndAsync().ConfigureAwait(false);
        }

        while (true)
        {
            stop.ThrowIfCancellationRequested();
            DateTimeOffset sent = _time.GetUtcNow();
            string? value = null;
            try
            {
                value = await _lease.TryTakeAsync(node, sent, _duration, stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                LogUnreachable(_logger, _lease.Description, ex.Message);
            }

            if (value is null)
            {
                await Task.Delay(_renewEvery, _time, stop).ConfigureAwait(false);
                continue;
            }

            long epoch = ReadLeader(value)?.Epoch ?? 0;
            var term = new Term(this, value, epoch, sent, cancellationToken);
            Volatile.Write(ref _term, term);
            term.Start();

            // The fence: a deposed leader counts its lease from its last renewal, which reached Redis before the key
            // expired; after a whole lease more and the margin, it has stopped and its last tick has arrived.
            try
            {
                await Task.Delay(_duration + _fence, _time, term.Lost).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // The lease was lost during the fence: nothing was sent under it, so the wait starts again.
                Interlocked.CompareExchange(ref _term, null, term);
                await term.EndAsync().ConfigureAwait(false);
                continue;
            }

            if (!term.Leads())
            {
                Interlocked.CompareExchange(ref _term, null, term);
                await term.EndAsync().ConfigureAwait(false);
                continue;
            }

            LogLeads(_logger, node, epoch, _lease.Description);
            return new BeatTerm(epoch, term.Lost, term.Leads);
        }
    }

    public async ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken) =>
        ReadLeader(await _lease.ReadAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a lease's value; null when it is missing or not a lease TaskGen wrote.</summary>
    internal static BeatLeaderInfo? ReadLeader(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(value);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("node", out JsonElement node) && node.ValueKind == JsonValueKind.String
                && root.TryGetProperty("epoch", out JsonElement epoch) && epoch.TryGetInt64(out long number)
                && root.TryGetProperty("since", out JsonElement since) && since.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(since.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset began))
            {
                return new BeatLeaderInfo(node.GetString()!, began, number);
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        if (Interlocked.Exchange(ref _term, null) is { } term)
        {
            await term.EndAsync().ConfigureAwait(false);
        }

        await _lease.DisposeAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }

    /// <summary>One term: the lease's value, its last proof, and the loop that renews it until the term ends.</summary>
    private sealed class Term
    {
        private readonly RedisBeatElection _election;
        private readonly string _value;
        private readonly long _epoch;
        private readonly CancellationToken _stopping;
        private readonly CancellationTokenSource _lost;
        private long _lastProofTicks;
        private Task _renewing = Task.CompletedTask;

        public Term(RedisBeatElection election, string value, long epoch, DateTimeOffset taken, CancellationToken stopping)
        {
            _election = election;
            _value = value;
            _epoch = epoch;
            _stopping = stopping;
            _lost = CancellationTokenSource.CreateLinkedTokenSource(stopping, election._disposed.Token);
            _lastProofTicks = taken.UtcTicks;
            Lost = _lost.Token;
        }

        public CancellationToken Lost { get; }

        private DateTimeOffset Deadline => new DateTimeOffset(Interlocked.Read(ref _lastProofTicks), TimeSpan.Zero) + _election._duration;

        public bool Leads() => !Lost.IsCancellationRequested && _election._time.GetUtcNow() < Deadline;

        public void Start() => _renewing = RenewAsync();

        /// <summary>Ends the term (a no-op when it has ended) and waits until its lease is released or left to expire.</summary>
        public async Task EndAsync()
        {
            try
            {
                _lost.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            await _renewing.ConfigureAwait(false);
        }

        private async Task RenewAsync()
        {
            RedisBeatElection election = _election;
            TimeProvider time = election._time;
            string? why = null;
            try
            {
                while (true)
                {
                    // Wakes at the deadline at the latest, so that a renewal failing for a whole lease ends the term on time.
                    TimeSpan left = Deadline - time.GetUtcNow();
                    await Task.Delay(left < election._renewEvery ? Max(left, TimeSpan.Zero) : election._renewEvery, time, Lost).ConfigureAwait(false);
                    DateTimeOffset sent = time.GetUtcNow();
                    left = Deadline - sent;
                    if (left <= TimeSpan.Zero)
                    {
                        why = "its lease lapsed before a renewal reached Redis";
                        break;
                    }

                    bool renewed;
                    try
                    {
                        renewed = await election._lease.RenewAsync(_value, election._duration, CancellationToken.None).AsTask().WaitAsync(left, time, Lost).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        why = "its lease lapsed while a renewal was unanswered";
                        break;
                    }
                    catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
                    {
                        // Tried again at the next interval, for as long as the lease lasts.
                        LogRenewalFailed(election._logger, _epoch, ex.Message);
                        continue;
                    }

                    if (!renewed)
                    {
                        why = "the lease is no longer its own";
                        break;
                    }

                    // Counted from the send: Redis extended the key no earlier than that.
                    long ticks = sent.UtcTicks;
                    if (ticks > Interlocked.Read(ref _lastProofTicks))
                    {
                        Interlocked.Exchange(ref _lastProofTicks, ticks);
                    }
                }
            }
            catch (OperationCanceledException) when (Lost.IsCancellationRequested)
            {
            }

            _lost.Cancel();
            if (why is not null)
            {
                LogLost(election._logger, _epoch, why);
                return;
            }

            // Ended on purpose (the scheduler stops, or the election is disposed): the lease is given back so that another
            // process need not wait for it to expire. Bounded by the lease, beyond which it expires on its own.
            if (_stopping.IsCancellationRequested || election._disposed.IsCancellationRequested)
            {
                try
                {
                    await election._lease.ReleaseAsync(_value, CancellationToken.None).AsTask().WaitAsync(election._duration, time).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException or TimeoutException or ObjectDisposedException)
                {
                    LogReleaseFailed(election._logger, _epoch, ex.Message);
                }
            }
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node} leads the schedule (epoch {Epoch}) through {Lease}.")]
    private static partial void LogLeads(ILogger logger, string node, long epoch, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The schedule's term of epoch {Epoch} ended: {Reason}; sending stopped, and the scheduler waits to lead again.")]
    private static partial void LogLost(ILogger logger, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease of epoch {Epoch} could not be renewed, and is tried again while it lasts: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease of epoch {Epoch} could not be released and expires on its own: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The schedule's election at {Lease} could not be reached; it is tried again: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string lease, string reason);
}
