using System;
using System.Collections.Generic;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen;

/// <summary>
/// What a generated stub knows about its task: its name, its default queue and the queues its assembly
/// declares (with their kinds), so a producer routes without a worker-side registry. One instance per task
/// lives in a static field of the stub.
/// </summary>
public class TaskDescriptor
{
    /// <summary>Creates the descriptor of a task without a result value.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares; null for calls by name.</param>
    public TaskDescriptor(string name, string queue, IReadOnlyList<QueueDeclaration>? declaredQueues)
    {
        Name = name;
        Queue = queue;
        DeclaredQueues = declaredQueues ?? Array.Empty<QueueDeclaration>();
        foreach (QueueDeclaration declared in DeclaredQueues)
        {
            if (declared.Name == queue)
            {
                QueueDeclaration = declared;
                break;
            }
        }
    }

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The queue the task is routed to by default.</summary>
    public string Queue { get; }

    /// <summary>The queues the declaring assembly declares (empty for a call by name).</summary>
    public IReadOnlyList<QueueDeclaration> DeclaredQueues { get; }

    /// <summary>
    /// The declaration of <see cref="Queue"/> among <see cref="DeclaredQueues"/>, found once per task, or null when its
    /// assembly does not declare it: a call that goes to the task's own queue then needs no lookup by name.
    /// </summary>
    public QueueDeclaration? QueueDeclaration { get; }
}

/// <summary>The descriptor of a task whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class TaskDescriptor<TResult> : TaskDescriptor
{
    /// <summary>Creates the descriptor.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares; null for calls by name.</param>
    /// <param name="readResult">Reads the result value from JSON.</param>
    public TaskDescriptor(string name, string queue, IReadOnlyList<QueueDeclaration>? declaredQueues, JsonValueReader<TResult> readResult)
        : base(name, queue, declaredQueues) => ReadResult = readResult;

    /// <summary>Reads the result value from JSON.</summary>
    public JsonValueReader<TResult> ReadResult { get; }
}
