namespace TaskGen;

/// <summary>
/// Raised by a result when its task failed on a worker. The remote exception is described by strings
/// only: no remote type name is ever turned into a local type.
/// </summary>
public sealed class TaskFailedException : TaskGenException
{
    /// <summary>Creates the exception from a failure result.</summary>
    /// <param name="taskId">The id of the failed task.</param>
    /// <param name="remoteType">The remote exception's type name (<c>exc_type</c>).</param>
    /// <param name="remoteMessage">The remote exception's message.</param>
    /// <param name="remoteModule">The remote exception's module or namespace (<c>exc_module</c>).</param>
    /// <param name="remoteTraceback">The remote traceback or stack trace, if sent.</param>
    public TaskFailedException(string taskId, string remoteType, string remoteMessage, string? remoteModule, string? remoteTraceback)
        : base($"Task {taskId} failed: {remoteType}: {remoteMessage}")
    {
        TaskId = taskId;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteModule = remoteModule;
        RemoteTraceback = remoteTraceback;
    }

    /// <summary>The id of the failed task.</summary>
    public string TaskId { get; }

    /// <summary>The remote exception's type name, e.g. <c>ZeroDivisionError</c> or <c>InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>The remote exception's message.</summary>
    public string RemoteMessage { get; }

    /// <summary>The remote exception's module (Python) or namespace (.NET).</summary>
    public string? RemoteModule { get; }

    /// <summary>The remote traceback or stack trace, as the worker sent it.</summary>
    public string? RemoteTraceback { get; }
}

/// <summary>Raised by a result whose task was revoked, or expired before a worker ran it.</summary>
public sealed class TaskRevokedException : TaskGenException
{
    /// <summary>Creates the exception for the task <paramref name="taskId"/>.</summary>
    /// <param name="taskId">The revoked task's id.</param>
    public TaskRevokedException(string taskId)
        : base($"Task {taskId} was revoked or expired before it ran.") => TaskId = taskId;

    /// <summary>The revoked task's id.</summary>
    public string TaskId { get; }
}
