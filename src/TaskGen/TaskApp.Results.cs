using System;
using System.Text.Json;
using TaskGen.Results;

namespace TaskGen;

public sealed partial class TaskApp
{
    private static readonly TaskDescriptor<JsonElement> AnyResult = new(string.Empty, string.Empty, null, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader));

    /// <summary>
    /// Returns the result of a task sent by any process, by its id, as Celery's <c>AsyncResult(id)</c>; it waits
    /// for the task if it has not finished. Needs a backend that stores results by id (<c>redis://</c>, from TaskGen.Redis).
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="task">The task's descriptor (a stub's <c>Descriptor</c>), which reads its value.</param>
    /// <param name="taskId">The task id.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps results only for the app that sent the task.</exception>
    public AsyncResult<TResult> GetResult<TResult>(TaskDescriptor<TResult> task, string taskId)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        IResultBackend results = ResultsById();
        var result = new AsyncResult<TResult>(taskId, task, ignoreResult: false) { Waits = _waits };
        results.Join(result);
        return result;
    }

    /// <summary>Returns the result of a task sent by any process, by its id, as raw JSON; see <see cref="GetResult{TResult}(TaskDescriptor{TResult}, string)"/>.</summary>
    /// <param name="taskId">The task id.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps results only for the app that sent the task.</exception>
    public AsyncResult<JsonElement> GetResult(string taskId) => GetResult(AnyResult, taskId);

    /// <summary>
    /// Returns the replies to a broadcast sent by any process, by its id: the replies stored so far, and those that come
    /// while it is collected. Needs a backend that stores results by id (<c>redis://</c>, from TaskGen.Redis) on the workers and on this app.
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="task">The task's descriptor (a stub's <c>Descriptor</c>), which reads each worker's value.</param>
    /// <param name="taskId">The broadcast's task id (<see cref="BroadcastResult.Id"/>).</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps replies only for the app that sent the broadcast.</exception>
    public BroadcastResult<TResult> GetBroadcastResult<TResult>(TaskDescriptor<TResult> task, string taskId)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        IResultBackend results = ResultsById();
        var result = new BroadcastResult<TResult>(taskId, task, results.Release);
        results.Join(result);
        return result;
    }

    /// <summary>Returns the replies to a broadcast sent by any process, by its id, as raw JSON; see <see cref="GetBroadcastResult{TResult}(TaskDescriptor{TResult}, string)"/>.</summary>
    /// <param name="taskId">The broadcast's task id.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps replies only for the app that sent the broadcast.</exception>
    public BroadcastResult<JsonElement> GetBroadcastResult(string taskId) => GetBroadcastResult(AnyResult, taskId);

    /// <summary>How many results this app is watching for now, for tests of what ended waits leave behind.</summary>
    internal int PendingResults => _results?.PendingCount ?? 0;

    private IResultBackend ResultsById() =>
        _results is { ReadsById: true } results
            ? results
            : throw new NotSupportedException(
                $"Results cannot be read by id with ResultBackend '{(string.IsNullOrEmpty(Options.ResultBackend) ? "none" : Options.ResultBackend)}': "
                + "rpc:// sends each result only to the reply queue of the app that sent the task, and it goes with that app's connection. "
                + "Reading a result by id needs a durable backend: set ResultBackend to redis://host:port/db on the workers and on this app, with the TaskGen.Redis package and AddRedisResults().");
}
