using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// The <c>rpc://</c> result backend, client side: one reply queue per app, results matched to pending calls by
/// correlation id. Workers send to it by the task's <c>reply_to</c>. The queue outlives the app's connection
/// (durable, or quorum on a cluster, with an idle expiry), so results sent while the broker restarts or the node
/// the app was connected to goes away wait there until the app consumes again.
/// </summary>
internal sealed partial class RpcResultBackend : IResultBackend
{
    private readonly ITransport _transport;
    private readonly ILogger _logger;
    private readonly PendingResults<string, Pending> _pending;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private volatile bool _started;
    private readonly TimeSpan _expires;
    private readonly QueueType _queueType;
    private ITransportConsumer? _consumer;
    private volatile bool _consuming;

    /// <summary>
    /// How long the reply queue of an app that went away stays: long enough for any outage the app recovers from,
    /// short enough that the queues of crashed or short-lived apps (a command-line <c>call</c>) do not pile up.
    /// </summary>
    internal static readonly TimeSpan IdleExpiry = TimeSpan.FromHours(1);

    public RpcResultBackend(ITransport transport, TimeSpan expires, QueueType queueType, ILogger logger)
    {
        _transport = transport;
        _expires = expires;
        _pending = new PendingResults<string, Pending>(StringComparer.Ordinal, expires, static p => p.RegisteredAt);
        _queueType = queueType;
        _logger = logger;
        ReplyQueue = Guid.NewGuid().ToString();
    }

    /// <summary>The reply queue's name, known before the queue exists so that sends need not wait for it.</summary>
    public string ReplyQueue { get; }

    public bool ReadsById => false;

    public int PendingCount => _pending.Count;

    /// <exception cref="InvalidOperationException">A result for the same task id is already awaited here.</exception>
    public void Register(IResultSink sink)
    {
        // A second send with the same id would take the first one's result and leave it waiting forever.
        _pending.Add(sink.Id, new Pending(sink, Environment.TickCount64));

        // Results that never come (a purged task, a message the broker dropped) must not be waited for
        // forever: now and then, give up on those older than ResultExpires.
        if (_pending.SweepDue())
        {
            _pending.Sweep(static (pending, expired) => pending.Sink.OnSendFailed(expired));
        }
    }

    // A reply goes to the queue of the app that sent the task, so no other app can wait for it by id.
    public void Join(IResultSink sink) => throw new NotSupportedException("rpc:// results cannot be read by id.");

    public void Unregister(string taskId) => _pending.TryRemove(taskId, out _);

    // Replies travel by correlation id, one waiter an id; a sink that no longer holds its id has nothing to release.
    public void Release(IResultSink sink)
    {
        if (_pending.TryGet(sink.Id, out Pending pending) && ReferenceEquals(pending.Sink, sink))
        {
            _pending.Remove(sink.Id, pending);
        }
    }

    public ValueTask EnsureStartedAsync(CancellationToken cancellationToken) =>
        _started ? ValueTask.CompletedTask : StartAsync(cancellationToken);

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                return;
            }

            // Not exclusive, so it survives the connection: a broker restart or the loss of the node the app was on
            // (quorum, with the app's queues on a cluster) keeps the results sent meanwhile. Durable, since RabbitMQ 4
            // refuses transient queues that are not exclusive; x-expires drops it once no app has used it for a while.
            TimeSpan idle = _expires < IdleExpiry ? _expires : IdleExpiry;
            var queue = new QueueSpecification(ReplyQueue, Durable: true, Exclusive: false, AutoDelete: false, Expires: idle, Type: _queueType);
            _consumer = await _transport.ConsumeAsync(
                new ConsumerSpecification(ReplyQueue, OnDeliveryAsync)
                {
                    Prefetch = 1000,
                    AutoAck = true,
                    Prepare = ct => PrepareAsync(queue, ct),
                    Interrupted = OnInterrupted,
                },
                cancellationToken).ConfigureAwait(false);
            _started = true;
        }
        finally
        {
            _startGate.Release();
        }
    }

    private ValueTask OnDeliveryAsync(Delivery delivery)
    {
        ResultMessage message;
        try
        {
            message = ResultCodec.Decode(delivery.Message.Body, TaskMessageCodec.HeaderString(delivery.Message.Headers, "hostname"));
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            LogUnreadableResult(_logger, delivery.Message.Properties.CorrelationId, ex.Message);
            return ValueTask.CompletedTask;
        }

        string id = delivery.Message.Properties.CorrelationId ?? message.TaskId;
        if (!_pending.TryGet(id, out Pending pending))
        {
            LogUnexpectedResult(_logger, id);
            return ValueTask.CompletedTask;
        }

        if (pending.Sink.OnResult(message))
        {
            _pending.TryRemove(id, out _);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Declares the reply queue before its consumer starts again. A queue that was there is kept with the results it
    /// holds; one that is gone (deleted by an operator, or expired in a longer outage) took the results sent to it, and
    /// results sent while it was missing were dropped, so every waiter is failed with the cause rather than left to
    /// wait for what cannot come.
    /// </summary>
    private async ValueTask<string> PrepareAsync(QueueSpecification queue, CancellationToken cancellationToken)
    {
        if (_consuming && await _transport.InspectQueueAsync(ReplyQueue, cancellationToken).ConfigureAwait(false) is null)
        {
            FailAll("it was deleted while its consumer was away");
        }

        string name = await _transport.DeclareQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        _consuming = true;
        return name;
    }

    /// <summary>The consumer is gone for now; results wait in the queue, which outlives the connection, until it is back.</summary>
    private void OnInterrupted(string reason)
    {
        if (!_pending.IsEmpty)
        {
            LogReplyConsumerInterrupted(_logger, ReplyQueue, _pending.Count, reason);
        }
    }

    private void FailAll(string reason)
    {
        int failed = _pending.RemoveAll(static _ => true, (id, pending) =>
            pending.Sink.OnSendFailed(new TaskResultLostException(id, $"reply queue {ReplyQueue} was lost: {reason}")));

        if (failed > 0)
        {
            LogWaitersFailed(_logger, failed, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync().ConfigureAwait(false);
        }

        // Nobody will deliver these any more: fail their waiters rather than leave them hanging.
        _pending.RemoveAll(static _ => true, static (id, pending) =>
            pending.Sink.OnSendFailed(new ObjectDisposedException(nameof(TaskApp), $"The app that sent task {id} was disposed before its result arrived.")));

        _startGate.Dispose();
    }

    private sealed record Pending(IResultSink Sink, long RegisteredAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A result for task {TaskId} could not be read and was dropped: {Reason}")]
    private static partial void LogUnreadableResult(ILogger logger, string? taskId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The consumer of reply queue {Queue} was interrupted ({Reason}); {Count} pending result(s) wait in the queue until it is back.")]
    private static partial void LogReplyConsumerInterrupted(ILogger logger, string queue, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply queue was lost ({Reason}); {Count} pending result(s) failed with TaskResultLostException.")]
    private static partial void LogWaitersFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A result for task {TaskId} arrived but nobody waits for it; dropped.")]
    private static partial void LogUnexpectedResult(ILogger logger, string taskId);
}
