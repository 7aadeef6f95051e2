using System;

namespace TaskGen.Protocol;

/// <summary>
/// Raised when a message cannot be read as a Celery protocol v2 task; the worker rejects such a message
/// without requeue and logs <see cref="TaskId"/> and the reason.
/// </summary>
public sealed class MalformedMessageException : TaskGenException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskId">The task id, when the message carried one.</param>
    /// <param name="taskName">The task name, when the message carried one.</param>
    /// <param name="reason">What is wrong with the message.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public MalformedMessageException(string? taskId, string? taskName, string reason, Exception? inner = null)
        : base(reason, inner)
    {
        TaskId = taskId;
        TaskName = taskName;
    }

    /// <summary>The task id, when the message carried one.</summary>
    public string? TaskId { get; }

    /// <summary>The task name, when the message carried one.</summary>
    public string? TaskName { get; }
}
