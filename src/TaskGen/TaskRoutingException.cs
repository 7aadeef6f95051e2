namespace TaskGen;

/// <summary>Raised when a call is routed to a queue that no assembly declared and missing queues are not created.</summary>
public sealed class TaskRoutingException : TaskGenException
{
    /// <summary>Creates the exception for the queue <paramref name="queue"/>.</summary>
    /// <param name="queue">The undeclared queue.</param>
    public TaskRoutingException(string queue)
        : base($"Queue '{queue}' is not declared: add [assembly: TaskQueue(\"{queue}\")] to the assembly that routes to it, or set TaskCreateMissingQueues to create queues on first use.") =>
        Queue = queue;

    /// <summary>The undeclared queue.</summary>
    public string Queue { get; }
}
