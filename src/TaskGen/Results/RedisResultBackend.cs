using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TaskGen.Protocol;

namespace TaskGen.Results;

/// <summary>
/// The <c>redis://</c> result backend, client side, as Celery's: for each awaited id it subscribes to the channel
/// <c>celery-task-meta-&lt;id&gt;</c> and then reads the key once, so a state stored before the subscription
/// took hold is not missed. Results outlive the caller, so any app on the same backend can read one by id.
/// </summary>
internal sealed partial class RedisResultBackend : IResultBackend
{
    private readonly RedisResultConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeSpan _expires;
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private int _registrations;
    private volatile bool _disposed;

    public RedisResultBackend(RedisResultConnection connection, TimeSpan expires, ILogger logger)
    {
        _connection = connection;
        _expires = expires;
        _logger = logger;
        _connection.Restored += OnRestored;
    }

    public string? ReplyQueue => null;

    public bool ReadsById => true;

    public int PendingCount => _pending.Count;

    public void Register(IResultSink sink)
    {
        var pending = new Pending(sink, Environment.TickCount64);
        if (!_pending.TryAdd(sink.Id, pending))
        {
            throw new InvalidOperationException($"Task id {sink.Id} is already awaited by this app: give each pending call its own TaskId, or wait for the first result before reusing it.");
        }

        // A result that never comes (a purged task, one that expired from Redis) must not be waited for forever.
        if (Interlocked.Increment(ref _registrations) % 4096 == 0)
        {
            Sweep(Environment.TickCount64 - (long)_expires.TotalMilliseconds);
        }

        _ = WatchAsync(pending);
    }

    public void Join(IResultSink sink)
    {
        // A second reader of an id this app already awaits shares the first one's subscription; one that comes
        // after the end reads the stored state, since the first one no longer holds the id.
        while (true)
        {
            if (_pending.TryGetValue(sink.Id, out Pending? existing))
            {
                existing.Join(sink);
                return;
            }

            var pending = new Pending(sink, Environment.TickCount64);
            if (_pending.TryAdd(sink.Id, pending))
            {
                _ = WatchAsync(pending);
                return;
            }
        }
    }

    public void Unregister(string taskId)
    {
        if (_pending.TryRemove(taskId, out Pending? pending))
        {
            _ = UnsubscribeAsync(pending);
        }
    }

    // Each id is subscribed on registration, so nothing needs to be running before a task is sent.
    public ValueTask EnsureStartedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private async Task WatchAsync(Pending pending)
    {
        string id = pending.Sink.Id;
        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            await redis.GetSubscriber().SubscribeAsync(RedisResultConnection.Channel(id), pending.Handler ??= (_, value) => Deliver(id, value)).ConfigureAwait(false);
            pending.Subscribed = true;

            // Subscribed first, read second: a state stored in between is seen by one or the other (or both,
            // which the sink takes in its stride).
            await ReadAsync(redis, id).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            if (_pending.TryRemove(new KeyValuePair<string, Pending>(id, pending)))
            {
                _ = UnsubscribeAsync(pending);
                pending.Fail(new TaskResultLostException(id, $"the result backend {_connection.Url.Redacted} could not be read ({ex.Message})"));
            }
        }
    }

    private async Task ReadAsync(ConnectionMultiplexer redis, string id)
    {
        RedisValue stored = await redis.GetDatabase().StringGetAsync(RedisResultConnection.Key(id)).ConfigureAwait(false);
        if (stored.HasValue)
        {
            Deliver(id, stored);
        }
    }

    private void Deliver(string id, RedisValue value)
    {
        if (!_pending.TryGetValue(id, out Pending? pending))
        {
            return;
        }

        ResultMessage message;
        try
        {
            message = ResultCodec.Decode((byte[])value!);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            LogUnreadableResult(_logger, id, ex.Message);
            return;
        }

        if (pending.Deliver(message) && _pending.TryRemove(new KeyValuePair<string, Pending>(id, pending)))
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
        if (_disposed || _pending.IsEmpty)
        {
            return;
        }

        _ = RereadAsync();
    }

    private async Task RereadAsync()
    {
        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (string id in _pending.Keys)
            {
                await ReadAsync(redis, id).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            LogRereadFailed(_logger, ex.Message);
        }
    }

    private async Task UnsubscribeAsync(Pending pending)
    {
        if (!pending.Subscribed || pending.Handler is null || _disposed)
        {
            return;
        }

        try
        {
            ConnectionMultiplexer redis = await _connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            await redis.GetSubscriber().UnsubscribeAsync(RedisResultConnection.Channel(pending.Sink.Id), pending.Handler).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            // A subscription left behind costs only the messages of one finished task; the connection's end drops it.
        }
    }

    private void Sweep(long registeredBefore)
    {
        foreach (KeyValuePair<string, Pending> entry in _pending)
        {
            if (entry.Value.RegisteredAt < registeredBefore && _pending.TryRemove(entry))
            {
                _ = UnsubscribeAsync(entry.Value);
                entry.Value.Fail(new TimeoutException($"No result for task {entry.Key} arrived within ResultExpires ({_expires}); it is no longer awaited."));
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _connection.Restored -= OnRestored;

        // Results stay in Redis, readable by id from another app; only this app's waiters end here.
        foreach (KeyValuePair<string, Pending> entry in _pending)
        {
            if (_pending.TryRemove(entry))
            {
                entry.Value.Fail(new ObjectDisposedException(nameof(TaskApp), $"The app waiting for task {entry.Key} was disposed before its result arrived; read it by id with GetResult from another app."));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The readers of one awaited id: the one that registered it, and any that joined it later.</summary>
    private sealed class Pending(IResultSink sink, long registeredAt)
    {
        private readonly object _gate = new();
        private List<IResultSink>? _joined;
        private ResultMessage? _final;
        private Exception? _failed;

        public IResultSink Sink { get; } = sink;

        public long RegisteredAt { get; } = registeredAt;

        public Action<RedisChannel, RedisValue>? Handler { get; set; }

        public bool Subscribed { get; set; }

        public void Join(IResultSink reader)
        {
            ResultMessage? final;
            Exception? failed;
            lock (_gate)
            {
                (final, failed) = (_final, _failed);
                if (final is null && failed is null)
                {
                    (_joined ??= []).Add(reader);
                }
            }

            // The id finished while the reader joined: it gets what the others got.
            if (final is not null)
            {
                reader.OnResult(final);
            }
            else if (failed is not null)
            {
                reader.OnSendFailed(failed);
            }
        }

        /// <summary>Hands a state to every reader and says whether the id needs watching no more.</summary>
        public bool Deliver(ResultMessage message)
        {
            bool done = Sink.OnResult(message);
            IResultSink[] joined;
            lock (_gate)
            {
                if (done)
                {
                    _final = message;
                }

                joined = _joined?.ToArray() ?? [];
            }

            foreach (IResultSink reader in joined)
            {
                reader.OnResult(message);
            }

            return done;
        }

        public void Fail(Exception exception)
        {
            Sink.OnSendFailed(exception);
            IResultSink[] joined;
            lock (_gate)
            {
                _failed = exception;
                joined = _joined?.ToArray() ?? [];
            }

            foreach (IResultSink reader in joined)
            {
                reader.OnSendFailed(exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A result for task {TaskId} could not be read and was dropped: {Reason}")]
    private static partial void LogUnreadableResult(ILogger logger, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result backend's connection came back, but awaited results could not be read again: {Reason}")]
    private static partial void LogRereadFailed(ILogger logger, string reason);
}
