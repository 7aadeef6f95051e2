using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Redis;

/// <summary>
/// The <c>redis://</c> result backend, client side, as Celery's: for each awaited id it subscribes to the channel
/// <c>celery-task-meta-&lt;id&gt;</c> and then reads the key once, so a state stored before the subscription
/// took hold is not missed. Results outlive the caller, so any app on the same backend can read one by id.
/// A broadcast's replies are read the same way from the hash <c>taskgen-broadcast-meta-&lt;id&gt;</c>, one field per worker.
/// </summary>
internal sealed partial class RedisResultBackend : IResultBackend, IResultHistory
{
    // Keys read per MGET when the connection is back: one round trip per batch instead of one per awaited id.
    private const int RereadBatch = 256;

    private static readonly TimeSpan RereadFirstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RereadLongestPause = TimeSpan.FromSeconds(5);

    private readonly RedisResultConnection _connection;
    private readonly ILogger _logger;
    private readonly PendingResults<string, RedisPendingResult> _pending;

    // Broadcast collectors, one subscription each: a collection that ends early (enough replies, its timeout) must
    // not end another reader's collection of the same broadcast.
    private readonly PendingResults<IResultSink, RedisPendingResult> _collectors;

    // Restores not yet answered by a complete re-read pass; the first one starts the pass.
    private int _rereadsAsked;
    private volatile bool _disposed;

    public RedisResultBackend(RedisResultConnection connection, TimeSpan expires, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
        _pending = new PendingResults<string, RedisPendingResult>(StringComparer.Ordinal, expires, static p => p.RegisteredAt);
        _collectors = new PendingResults<IResultSink, RedisPendingResult>(ReferenceEqualityComparer.Instance, expires, static p => p.RegisteredAt);
        _connection.Restored += OnRestored;
    }

    public string? ReplyQueue => null;

    public bool ReadsById => true;

    public int PendingCount => _pending.Count + _collectors.Count;

    public void Register(IResultSink sink)
    {
        if (sink.CollectsReplies)
        {
            Collect(sink);
            return;
        }

        var pending = new RedisPendingResult(sink, Environment.TickCount64);
        _pending.Add(sink.Id, pending);

        // A result that never comes (a purged task, one that expired from Redis) must not be waited for forever.
        if (_pending.SweepDue())
        {
            Sweep();
        }

        _ = WatchAsync(pending);
    }

    public void Join(IResultSink sink)
    {
        if (sink.CollectsReplies)
        {
            Collect(sink);
            return;
        }

        // Ids read by id never pass through Register, whose sweep would otherwise never see them.
        if (_pending.SweepDue())
        {
            Sweep();
        }

        // A second reader of an id this app already awaits shares the first one's subscription; one that comes
        // after the end reads the stored state, since the first one no longer holds the id.
        while (true)
        {
            if (_pending.TryGet(sink.Id, out RedisPendingResult existing))
            {
                if (existing.Join(sink))
                {
                    return;
                }

                // Its last reader left as this one came: that entry is on its way out, so this one starts anew.
                if (_pending.Remove(sink.Id, existing))
                {
                    _ = UnsubscribeAsync(existing);
                }

                continue;
            }

            var pending = new RedisPendingResult(sink, Environment.TickCount64);
            if (_pending.TryAdd(sink.Id, pending))
            {
                _ = WatchAsync(pending);
                return;
            }
        }
    }

    public void Unregister(string taskId)
    {
        if (_pending.TryRemove(taskId, out RedisPendingResult pending))
        {
            _ = UnsubscribeAsync(pending);
        }
    }

    public void Release(IResultSink sink)
    {
        if (sink.CollectsReplies)
        {
            if (_collectors.TryRemove(sink, out RedisPendingResult collector))
            {
                _ = UnsubscribeAsync(collector);
            }

            return;
        }

        // Only this reader stops; the id stays watched, and subscribed, while another reader of it waits.
        if (_pending.TryGet(sink.Id, out RedisPendingResult pending) && pending.Leave(sink) && Remove(pending))
        {
            _ = UnsubscribeAsync(pending);
        }
    }

    private void Collect(IResultSink sink)
    {
        var pending = new RedisPendingResult(sink, Environment.TickCount64);
        _collectors.Set(sink, pending);
        _ = WatchAsync(pending);
    }

    /// <summary>Stops watching for a pending entry, once: true for the caller that removed it.</summary>
    private bool Remove(RedisPendingResult pending) =>
        pending.Sink.CollectsReplies ? _collectors.Remove(pending.Sink, pending) : _pending.Remove(pending.Sink.Id, pending);

    private bool IsWatched(RedisPendingResult pending) =>
        pending.Sink.CollectsReplies ? _collectors.Holds(pending.Sink, pending) : _pending.Holds(pending.Sink.Id, pending);

    // Each id is subscribed on registration, so nothing needs to be running before a task is sent.
    public ValueTask EnsureStartedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public IAsyncEnumerable<StoredResult> ReadRecentAsync(int max, int maxFieldLength, CancellationToken cancellationToken) =>
        RedisResultHistory.ReadRecentAsync(_connection, max, maxFieldLength, cancellationToken);

    private async Task WatchAsync(RedisPendingResult pending)
    {
        string id = pending.Sink.Id;
        bool broadcast = pending.Sink.CollectsReplies;
        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);

            // A broadcast's channel names the worker whose field of the hash changed; a task's carries its state.
            pending.Handler ??= broadcast
                ? (Action<RedisChannel, RedisValue>)((channel, node) => _ = ReadReplyAsync(pending, node))
                : (_, value) => Deliver(pending, value, null);
            ISubscriber subscriber = redis.GetSubscriber();
            if (!pending.IsWatched)
            {
                return;
            }

            await subscriber.SubscribeAsync(ChannelOf(pending), pending.Handler).ConfigureAwait(false);
            if (!pending.MarkSubscribed())
            {
                // Released while the subscription was on its way: nobody else will take it back.
                await subscriber.UnsubscribeAsync(ChannelOf(pending), pending.Handler).ConfigureAwait(false);
                return;
            }

            // Subscribed first, read second: a state stored in between is seen by one or the other (or both,
            // which the sink takes in its stride).
            await ReadAsync(redis, pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            if (Remove(pending))
            {
                _ = UnsubscribeAsync(pending);
                pending.Fail(new TaskResultLostException(id, $"the result backend {_connection.Url.Redacted} could not be read ({ex.Message})"));
            }
        }
    }

    private static RedisChannel ChannelOf(RedisPendingResult pending) =>
        pending.Sink.CollectsReplies ? RedisResultConnection.BroadcastChannel(pending.Sink.Id) : RedisResultConnection.Channel(pending.Sink.Id);

    private async Task ReadAsync(ConnectionMultiplexer redis, RedisPendingResult pending)
    {
        string id = pending.Sink.Id;
        IDatabase database = redis.GetDatabase();
        if (!pending.Sink.CollectsReplies)
        {
            RedisValue stored = await database.StringGetAsync(RedisResultConnection.Key(id)).ConfigureAwait(false);
            if (stored.HasValue)
            {
                Deliver(pending, stored, null);
            }

            return;
        }

        foreach (HashEntry reply in await database.HashGetAllAsync(RedisResultConnection.BroadcastKey(id)).ConfigureAwait(false))
        {
            Deliver(pending, reply.Value, reply.Name);
        }
    }

    private async Task ReadReplyAsync(RedisPendingResult pending, RedisValue node)
    {
        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            RedisValue reply = await redis.GetDatabase().HashGetAsync(RedisResultConnection.BroadcastKey(pending.Sink.Id), node).ConfigureAwait(false);
            if (reply.HasValue)
            {
                Deliver(pending, reply, node);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            // The hash is read whole again when the connection is restored.
            LogRereadFailed(_logger, ex.Message);
        }
    }

    private void Deliver(RedisPendingResult pending, RedisValue value, string? node)
    {
        if (!IsWatched(pending))
        {
            return;
        }

        string id = pending.Sink.Id;
        ResultMessage message;
        try
        {
            message = ResultCodec.Decode((byte[])value!, node);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            LogUnreadableResult(_logger, id, ex.Message);
            return;
        }

        if (pending.Deliver(message) && Remove(pending))
        {
            _ = UnsubscribeAsync(pending);
        }
    }

    /// <summary>
    /// Pub/sub does not keep what was published while the connection was down; the library subscribes again
    /// on its own, and each awaited key is read once more for what was missed.
    /// </summary>
    private void OnRestored()
    {
        if (_disposed || (_pending.IsEmpty && _collectors.IsEmpty))
        {
            return;
        }

        // One pass at a time: a restore that comes during a pass asks for another, since the pass may have read a
        // key before the state it was missing was stored.
        if (Interlocked.Increment(ref _rereadsAsked) == 1)
        {
            _ = RereadAsync();
        }
    }

    private async Task RereadAsync()
    {
        TimeSpan pause = RereadFirstPause;
        while (!_disposed)
        {
            int asked = Volatile.Read(ref _rereadsAsked);
            try
            {
                await RereadOnceAsync().ConfigureAwait(false);
                pause = RereadFirstPause;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                // A pass that stopped halfway would leave the rest unread for good, with their states already
                // published to nobody: the whole pass runs again until one gets through.
                LogRereadFailed(_logger, ex.Message);
                await Task.Delay(pause).ConfigureAwait(false);
                pause = pause * 2 < RereadLongestPause ? pause * 2 : RereadLongestPause;
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _rereadsAsked, 0, asked) == asked)
            {
                return;
            }
        }
    }

    private async Task RereadOnceAsync()
    {
        if (_pending.IsEmpty && _collectors.IsEmpty)
        {
            return;
        }

        ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);

        // The library queues its resubscriptions on the subscription connection before it reports the restore, and
        // a ping on that connection is answered after them: a state stored once it returns is published to a live
        // subscription, and one stored before it is in its key, read below.
        await redis.GetSubscriber().PingAsync().ConfigureAwait(false);
        IDatabase database = redis.GetDatabase();
        RedisPendingResult[] awaited = [.. _pending.Values];
        for (int start = 0; start < awaited.Length; start += RereadBatch)
        {
            RedisPendingResult[] batch = awaited[start..Math.Min(awaited.Length, start + RereadBatch)];
            RedisValue[] stored = await database.StringGetAsync([.. batch.Select(p => RedisResultConnection.Key(p.Sink.Id))]).ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                if (stored[i].HasValue)
                {
                    Deliver(batch[i], stored[i], null);
                }
            }
        }

        foreach (RedisPendingResult collector in _collectors.Values)
        {
            await ReadAsync(redis, collector).ConfigureAwait(false);
        }
    }

    private async Task UnsubscribeAsync(RedisPendingResult pending)
    {
        // A subscription still on its way is taken back by WatchAsync once it lands.
        if (!pending.End() || pending.Handler is null || _disposed)
        {
            return;
        }

        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            await redis.GetSubscriber().UnsubscribeAsync(ChannelOf(pending), pending.Handler).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            // A subscription left behind costs only the messages of one finished task; the connection's end drops it.
        }
    }

    private void Sweep()
    {
        _pending.Sweep(Expire);
        _collectors.Sweep(Expire);
    }

    private void Expire(RedisPendingResult pending, TimeoutException expired)
    {
        _ = UnsubscribeAsync(pending);
        pending.Fail(expired);
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _connection.Restored -= OnRestored;

        // Results stay in Redis, readable by id from another app; only this app's waiters end here.
        static void End(RedisPendingResult pending) =>
            pending.Fail(new ObjectDisposedException(nameof(TaskApp), $"The app waiting for task {pending.Sink.Id} was disposed before its result arrived; read it by id with GetResult from another app."));
        _pending.RemoveAll(static _ => true, static (_, pending) => End(pending));
        _collectors.RemoveAll(static _ => true, static (_, pending) => End(pending));

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A result for task {TaskId} could not be read and was dropped: {Reason}")]
    private static partial void LogUnreadableResult(ILogger logger, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result backend's connection came back, but awaited results could not be read again: {Reason}")]
    private static partial void LogRereadFailed(ILogger logger, string reason);
}
