using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen;

/// <summary>
/// The replies to a task sent to a broadcast queue: every worker bound to the queue runs it and answers,
/// and the replies are kept apart by worker name (Celery's own results would collide on the task id).
/// </summary>
public class BroadcastResult : IResultSink
{
    private readonly object _gate = new();
    private readonly Dictionary<string, BroadcastReply> _replies = new(StringComparer.Ordinal);
    private readonly Action<IResultSink> _release;
    private TaskCompletionSource? _enough;
    private int _expected = int.MaxValue;
    private Exception? _sendFailure;
    private bool _reachedNoWorker;

    internal BroadcastResult(string id, string taskName, Action<IResultSink> release)
    {
        Id = id;
        TaskName = taskName;
        _release = release;
    }

    /// <summary>The task id, shared by every worker's run.</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>
    /// True when the broker had no worker's queue bound to the broadcast queue, so nobody received the task:
    /// the replies are empty and waiting for them ends at once.
    /// </summary>
    public bool ReachedNoWorker
    {
        get
        {
            lock (_gate)
            {
                return _reachedNoWorker;
            }
        }
    }

    /// <summary>The replies received so far, keyed by worker name.</summary>
    public IReadOnlyDictionary<string, BroadcastReply> Replies
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, BroadcastReply>(_replies, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="expectedCount"/> workers have answered or <paramref name="timeout"/> has
    /// passed, and returns the replies received, keyed by worker name. Replies arriving later are dropped here; with
    /// a durable result backend they are stored, and <see cref="TaskApp.GetBroadcastResult(string)"/> reads them.
    /// </summary>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="expectedCount">How many replies end the wait early; null waits for the whole timeout.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="Exception">The task could not be sent (the publishing error is rethrown).</exception>
    public async Task<IReadOnlyDictionary<string, BroadcastReply>> CollectAsync(TimeSpan timeout, int? expectedCount = null, CancellationToken cancellationToken = default)
    {
        Task enough;
        lock (_gate)
        {
            if (_sendFailure is not null)
            {
                throw _sendFailure;
            }

            _expected = expectedCount ?? int.MaxValue;
            _enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_replies.Count >= _expected || _reachedNoWorker)
            {
                _enough.TrySetResult();
            }

            enough = _enough.Task;
        }

        try
        {
            await enough.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            _release(this);
        }

        lock (_gate)
        {
            return _sendFailure is not null ? throw _sendFailure : new Dictionary<string, BroadcastReply>(_replies, StringComparer.Ordinal);
        }
    }

    bool IResultSink.CollectsReplies => true;

    bool IResultSink.OnResult(ResultMessage message)
    {
        if (!TaskStates.IsReady(message.State))
        {
            return false;
        }

        lock (_gate)
        {
            string node = message.Hostname ?? $"(worker {_replies.Count + 1})";
            _replies[node] = new BroadcastReply(node, message.State, message.Result, message.Traceback, Id);
            if (_replies.Count >= _expected)
            {
                _enough?.TrySetResult();
                return true;
            }
        }

        return false;
    }

    /// <summary>Ends the wait at once with no replies: the broker routed the task to no worker.</summary>
    internal void CompleteReachedNoWorker()
    {
        lock (_gate)
        {
            _reachedNoWorker = true;
            _enough?.TrySetResult();
        }
    }

    void IResultSink.OnSendFailed(Exception exception)
    {
        lock (_gate)
        {
            _sendFailure = exception;
            _enough?.TrySetResult();
        }
    }
}

/// <summary>The replies to a broadcast task whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class BroadcastResult<TResult> : BroadcastResult
{
    private readonly TaskDescriptor<TResult> _task;

    internal BroadcastResult(string id, TaskDescriptor<TResult> task, Action<IResultSink> release)
        : base(id, task.Name, release) => _task = task;

    /// <summary>
    /// Waits as <see cref="BroadcastResult.CollectAsync"/> does and returns each worker's value, keyed by
    /// worker name.
    /// </summary>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="expectedCount">How many replies end the wait early; null waits for the whole timeout.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TaskFailedException">A worker's run failed.</exception>
    public async Task<IReadOnlyDictionary<string, TResult>> GetAsync(TimeSpan timeout, int? expectedCount = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, BroadcastReply> replies = await CollectAsync(timeout, expectedCount, cancellationToken).ConfigureAwait(false);
        return replies.ToDictionary(pair => pair.Key, pair => pair.Value.GetValue(_task.ReadResult), StringComparer.Ordinal);
    }
}

/// <summary>One worker's reply to a broadcast task.</summary>
public sealed class BroadcastReply
{
    private readonly ReadOnlyMemory<byte> _result;
    private readonly string? _traceback;
    private readonly string _taskId;

    internal BroadcastReply(string node, TaskState status, ReadOnlyMemory<byte> result, string? traceback, string taskId)
    {
        Node = node;
        Status = status;
        _result = result;
        _traceback = traceback;
        _taskId = taskId;
    }

    /// <summary>The worker's node name (<c>name@host</c>).</summary>
    public string Node { get; }

    /// <summary>How the worker's run ended.</summary>
    public TaskState Status { get; }

    /// <summary>The failure, when the worker's run failed; null otherwise.</summary>
    public TaskFailedException? Failure
    {
        get
        {
            if (Status != TaskState.Failure)
            {
                return null;
            }

            RemoteException remote = ResultCodec.DecodeException(_result);
            return new TaskFailedException(_taskId, remote.Type, remote.Message, remote.Module, _traceback);
        }
    }

    internal T GetValue<T>(Serialization.JsonValueReader<T> read)
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        if (Status == TaskState.Revoked)
        {
            throw new TaskRevokedException(_taskId);
        }

        var reader = new Utf8JsonReader(_result.Span);
        reader.Read();
        return read(ref reader);
    }
}
