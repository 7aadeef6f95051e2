using System;
using System.Text.Json;
using TaskGen.Results;

namespace TaskGen;

public sealed partial class TaskApp
{
    private static readonly TaskDescriptor<JsonElement> AnyResult = new(string.Empty, string.Empty, null, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader));

    /// <summary>
    /// Returns the result of a task sent by any process, by its id, as Celery's <c>AsyncResult(id)</c>; it waits
    /// for the task if it has not finished. Needs a backend that stores results by id (<c>redis://</c>).
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="task">The task's descriptor (a stub's <c>Descriptor</c>), which reads its value.</param>
    /// <param name="taskId">The task id.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps results only for the app that sent the task.</exception>
    public AsyncResult<TResult> GetResult<TResult>(TaskDescriptor<TResult> task, string taskId)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        if (_results is not { ReadsById: true } results)
        {
            throw new NotSupportedException(
                $"Results cannot be read by id with ResultBackend '{(string.IsNullOrEmpty(Options.ResultBackend) ? "none" : Options.ResultBackend)}': "
                + "rpc:// sends each result only to the reply queue of the app that sent the task, and it goes with that app's connection. "
                + "Reading a result by id needs a durable backend: set ResultBackend to redis://host:port/db on the workers and on this app.");
        }

        var result = new AsyncResult<TResult>(taskId, task, ignoreResult: false) { App = this };
        results.Join(result);
        return result;
    }

    /// <summary>Returns the result of a task sent by any process, by its id, as raw JSON; see <see cref="GetResult{TResult}(TaskDescriptor{TResult}, string)"/>.</summary>
    /// <param name="taskId">The task id.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps results only for the app that sent the task.</exception>
    public AsyncResult<JsonElement> GetResult(string taskId) => GetResult(AnyResult, taskId);
}
