using System;

namespace TaskGen;

/// <summary>
/// Marks a static method as a task: the generator emits a typed remote stub for it, its argument
/// codec and its case in the worker's dispatch table.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>The name the task answers to on the wire; defaults to <c>Namespace.Class.Method</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The queue the task is routed to unless a call says otherwise; defaults to <c>celery</c>.</summary>
    public string? Queue { get; set; }
}
