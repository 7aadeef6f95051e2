using System.Collections.Generic;
using System.ComponentModel;

namespace TaskGen.Worker;

/// <summary>What the registry knows of one task: enough for routing, <c>inspect registered</c> and error messages. It exists for generated code.</summary>
/// <param name="Name">The task name.</param>
/// <param name="Queue">The queue the task is routed to by default.</param>
/// <param name="Parameters">The names of the task's wire parameters, in order.</param>
/// <param name="ResultType">The result type's display name, or null for tasks without a result.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TaskDefinition(string Name, string Queue, IReadOnlyList<string> Parameters, string? ResultType)
{
    /// <summary>When the task is retried and how fast a worker may start it, as its <see cref="TaskAttribute"/> declares.</summary>
    public TaskPolicy Policy { get; init; } = TaskPolicy.Default;

    /// <summary>
    /// Runs the task: the generated module's entry for it, so that the lookup that finds a delivery's definition
    /// also finds its code. A definition without one runs through its module's <see cref="TaskModule.DispatchAsync"/>.
    /// </summary>
    public TaskRunDelegate? Run { get; init; }
}
