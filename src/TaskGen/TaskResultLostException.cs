namespace TaskGen;

/// <summary>
/// Raised by a result whose answer can no longer arrive: the connection that carried the caller's reply
/// queue was lost while the task was pending, and a result sent in that gap is gone. The task may still
/// have run; the exception says so rather than leaving the caller waiting.
/// </summary>
public sealed class TaskResultLostException : TaskGenException
{
    /// <summary>Creates the exception for a task whose result was lost.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="reason">Why the result can no longer arrive.</param>
    public TaskResultLostException(string taskId, string reason)
        : base($"The result of task {taskId} may have been lost: {reason}. The task may still have run; read its effects, or send it again if it is safe to repeat.")
    {
        TaskId = taskId;
    }

    /// <summary>The id of the task whose result was lost.</summary>
    public string TaskId { get; }
}
