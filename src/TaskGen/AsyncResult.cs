using System;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen;

/// <summary>
/// The pending result of a sent task, as Celery's <c>AsyncResult</c>: its id and state, and a way to wait
/// for it. Await it, or call <see cref="GetAsync"/> with a timeout.
/// </summary>
public class AsyncResult : Results.IResultSink
{
    private readonly TaskCompletionSource<ResultMessage> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ignoreResult;
    private readonly object _gate = new();
    private int _state;
    private int _waits;
    private bool _unwatched;

    internal AsyncResult(string id, string taskName, bool ignoreResult)
    {
        Id = id;
        TaskName = taskName;
        _ignoreResult = ignoreResult;
    }

    /// <summary>The task id.</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>The latest state heard of the task.</summary>
    public TaskState Status => (TaskState)Volatile.Read(ref _state);

    /// <summary>True once the task has succeeded, failed or been revoked.</summary>
    public bool IsReady => TaskStates.IsReady(Status);

    /// <summary>The queue the task was sent to, used to explain a timeout.</summary>
    internal string? Queue { get; set; }

    /// <summary>The app that sent the task, as far as waiting needs it: the result bound and why a result may be missing.</summary>
    internal Results.ResultWaits? Waits { get; set; }

    /// <summary>Waits for the task to finish and throws if it failed.</summary>
    /// <param name="timeout">How long to wait; null waits at most the app's <c>ResultExpires</c> (1 day by default).</param>
    /// <param name="cancellationToken">Stops waiting (the task itself is not affected).</param>
    /// <exception cref="TaskFailedException">The task failed on the worker.</exception>
    /// <exception cref="TaskRevokedException">The task was revoked or expired.</exception>
    /// <exception cref="TimeoutException">No result arrived within <paramref name="timeout"/>.</exception>
    public async Task GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ResultMessage message = await WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        ThrowIfNotSuccessful(message);
    }

    /// <summary>Lets <c>await result</c> wait for the task without a timeout.</summary>
    public TaskAwaiter GetAwaiter() => GetAsync().GetAwaiter();

    /// <summary>Waits until the task has finished in any state, without throwing for a failure: a group's wait for all its members.</summary>
    internal Task WaitFinishedAsync(TimeSpan? timeout, CancellationToken cancellationToken) => WaitAsync(timeout, cancellationToken);

    bool Results.IResultSink.OnResult(ResultMessage message)
    {
        Volatile.Write(ref _state, (int)message.State);
        return TaskStates.IsReady(message.State) && _done.TrySetResult(message);
    }

    void Results.IResultSink.OnSendFailed(Exception exception) => _done.TrySetException(exception);

    private protected async Task<ResultMessage> WaitAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (_ignoreResult)
        {
            throw new InvalidOperationException($"Task {Id} ({TaskName}) was sent with IgnoreResult, or the app has no result backend: no result will arrive.");
        }

        // Waiting without a timeout is bounded by ResultExpires: a result older than that is dropped by the
        // backend, so waiting longer could only hang.
        bool bounded = timeout is null;
        timeout ??= Waits?.ResultExpires;
        if (timeout > Worker.TimeLimits.Longest)
        {
            timeout = Worker.TimeLimits.Longest;
        }

        BeginWait();
        try
        {
            if (timeout is null)
            {
                return await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return await _done.Task.WaitAsync(timeout.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (timeout is not null)
        {
            string why = Waits is not null && Queue is not null
                ? await Waits.ExplainMissingResultAsync(Queue, cancellationToken).ConfigureAwait(false)
                : string.Empty;
            string bound = bounded ? " (ResultExpires, the longest any result is kept, bounds a wait without a timeout)" : string.Empty;
            throw new TimeoutException($"The result of task {Id} ({TaskName}) did not arrive within {timeout.Value.TotalSeconds:0.###} s{bound}.{why}");
        }
        finally
        {
            EndWait();
        }
    }

    /// <summary>Watches the id again when an earlier wait, ended without the result, let it go.</summary>
    private void BeginWait()
    {
        lock (_gate)
        {
            _waits++;
            if (_unwatched && !_done.Task.IsCompleted)
            {
                _unwatched = false;
                Waits?.WatchAgain(this);
            }
        }
    }

    /// <summary>
    /// Lets the id go when the last wait ends without the result (a timeout, a cancellation): otherwise every id
    /// polled once would stay watched, and subscribed, until ResultExpires.
    /// </summary>
    private void EndWait()
    {
        lock (_gate)
        {
            if (--_waits == 0 && !_done.Task.IsCompleted && Waits is { } waits)
            {
                _unwatched = waits.StopWatching(this);
            }
        }
    }

    private protected void ThrowIfNotSuccessful(ResultMessage message)
    {
        switch (message.State)
        {
            case TaskState.Failure:
                RemoteException remote = ResultCodec.DecodeException(message.Result);
                throw new TaskFailedException(Id, remote.Type, remote.Message, remote.Module, message.Traceback);
            case TaskState.Revoked:
                throw new TaskRevokedException(Id);
        }
    }
}

/// <summary>The pending result of a sent task whose value is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class AsyncResult<TResult> : AsyncResult
{
    private readonly TaskDescriptor<TResult> _task;

    internal AsyncResult(string id, TaskDescriptor<TResult> task, bool ignoreResult)
        : base(id, task.Name, ignoreResult) => _task = task;

    /// <summary>Waits for the task to finish and returns its value, or throws if it failed.</summary>
    /// <param name="timeout">How long to wait; null waits at most the app's <c>ResultExpires</c> (1 day by default).</param>
    /// <param name="cancellationToken">Stops waiting (the task itself is not affected).</param>
    /// <exception cref="TaskFailedException">The task failed on the worker.</exception>
    /// <exception cref="TaskRevokedException">The task was revoked or expired.</exception>
    /// <exception cref="TimeoutException">No result arrived within <paramref name="timeout"/>.</exception>
    public new async Task<TResult> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ResultMessage message = await WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        ThrowIfNotSuccessful(message);
        return ReadValue(message.Result);
    }

    /// <summary>Lets <c>await result</c> wait for the task's value without a timeout.</summary>
    public new TaskAwaiter<TResult> GetAwaiter() => GetAsync().GetAwaiter();

    private TResult ReadValue(ReadOnlyMemory<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json.Span);
            reader.Read();
            return _task.ReadResult(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new JsonException($"The result of task {Id} ({TaskName}) could not be read as {typeof(TResult).Name}: {ex.Message}", ex);
        }
    }
}
