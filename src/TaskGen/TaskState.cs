namespace TaskGen;

/// <summary>The states a task passes through, with Celery's meanings.</summary>
public enum TaskState
{
    /// <summary>Nothing has been heard of the task yet (it may be queued, or unknown).</summary>
    Pending,

    /// <summary>A worker has started the task.</summary>
    Started,

    /// <summary>The task is to be retried.</summary>
    Retry,

    /// <summary>The task finished and returned a result.</summary>
    Success,

    /// <summary>The task raised an exception, or could not be run.</summary>
    Failure,

    /// <summary>The task was revoked or expired before it ran.</summary>
    Revoked,
}

/// <summary>Conversions between <see cref="TaskState"/> and Celery's state strings.</summary>
public static class TaskStates
{
    /// <summary>Returns Celery's upper-case name of <paramref name="state"/>.</summary>
    /// <param name="state">The state.</param>
    public static string ToCelery(TaskState state) => state switch
    {
        TaskState.Started => "STARTED",
        TaskState.Retry => "RETRY",
        TaskState.Success => "SUCCESS",
        TaskState.Failure => "FAILURE",
        TaskState.Revoked => "REVOKED",
        _ => "PENDING",
    };

    /// <summary>Parses Celery's state name; unknown names read as <see cref="TaskState.Pending"/>.</summary>
    /// <param name="value">The state name from a result message.</param>
    public static TaskState FromCelery(string? value) => value switch
    {
        "STARTED" => TaskState.Started,
        "RETRY" => TaskState.Retry,
        "SUCCESS" => TaskState.Success,
        "FAILURE" => TaskState.Failure,
        "REVOKED" => TaskState.Revoked,
        _ => TaskState.Pending,
    };

    /// <summary>True for the states after which nothing more happens to the task.</summary>
    /// <param name="state">The state.</param>
    public static bool IsReady(TaskState state) =>
        state is TaskState.Success or TaskState.Failure or TaskState.Revoked;
}
