using System;
using System.Text.Json;

namespace TaskGen.Testing;

/// <summary>One run of a task by the harness's worker: the task's outcome as the task itself returned or threw it.</summary>
public sealed class TaskRun
{
    internal TaskRun(string taskId, string name, int retries, string? resultJson, Exception? exception)
    {
        TaskId = taskId;
        Name = name;
        Retries = retries;
        ResultJson = resultJson;
        Exception = exception;
    }

    /// <summary>The task id.</summary>
    public string TaskId { get; }

    /// <summary>The task's name on the wire.</summary>
    public string Name { get; }

    /// <summary>How many times the task had been retried before this run.</summary>
    public int Retries { get; }

    /// <summary>Whether the task returned rather than threw.</summary>
    public bool Succeeded => Exception is null;

    /// <summary>What the task threw, as thrown in this process (callers see it as a <see cref="TaskFailedException"/>); null on success.</summary>
    public Exception? Exception { get; }

    /// <summary>The result as it is sent to the caller, JSON; null when the run failed or the task returns nothing.</summary>
    public string? ResultJson { get; }

    /// <summary>Reads the result as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The task's result type.</typeparam>
    /// <exception cref="TaskHarnessAssertionException">The run failed or returned no result.</exception>
    public T Result<T>()
    {
        if (ResultJson is null)
        {
            throw new TaskHarnessAssertionException(Exception is null
                ? $"{Name} ({TaskId}) returned no result."
                : $"{Name} ({TaskId}) failed with {Exception.GetType().FullName}: {Exception.Message}");
        }

        return JsonSerializer.Deserialize<T>(ResultJson, HarnessJson.Options)!;
    }

    /// <summary>The run as a test failure lists it.</summary>
    public override string ToString() => Exception is null
        ? $"{Name} ({TaskId}) succeeded{(ResultJson is null ? string.Empty : " with " + ResultJson)}"
        : $"{Name} ({TaskId}) failed with {Exception.GetType().FullName}: {Exception.Message}";
}
