using System;
using System.Collections.Generic;
using System.ComponentModel;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen;

/// <summary>
/// What a generated stub knows about its task: its name, its queue as its assembly declares it, and the queues that
/// assembly declares, so a producer routes without a worker-side registry. One instance per task lives in a static
/// field of the stub.
/// </summary>
public class TaskDescriptor
{
    /// <summary>Creates the descriptor of a task known by name, whose queue is looked up when it is sent.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default; empty for the app's default queue.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares; null for calls by name.</param>
    public TaskDescriptor(string name, string queue, IReadOnlyList<QueueDeclaration>? declaredQueues)
    {
        Name = name;
        Queue = queue;
        DeclaredQueues = declaredQueues ?? Array.Empty<QueueDeclaration>();
    }

    /// <summary>Creates the descriptor of a task whose queue its own assembly declares; it exists for generated code.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The task's queue, as the generator resolved it from its assembly's declarations.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskDescriptor(string name, QueueDeclaration queue, IReadOnlyList<QueueDeclaration> declaredQueues)
        : this(name, (queue ?? throw new ArgumentNullException(nameof(queue))).Name, declaredQueues) => QueueDeclaration = queue;

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The queue the task is routed to by default; empty for the app's default queue.</summary>
    public string Queue { get; }

    /// <summary>The queues the declaring assembly declares (empty for a call by name).</summary>
    public IReadOnlyList<QueueDeclaration> DeclaredQueues { get; }

    /// <summary>
    /// The declaration of <see cref="Queue"/> that the generator emitted, or null when the task's assembly does not
    /// declare it: a call that goes to the task's own queue then needs no lookup by name.
    /// </summary>
    public QueueDeclaration? QueueDeclaration { get; }
}

/// <summary>The descriptor of a task whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class TaskDescriptor<TResult> : TaskDescriptor
{
    /// <summary>Creates the descriptor of a task known by name, whose queue is looked up when it is sent.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default; empty for the app's default queue.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares; null for calls by name.</param>
    /// <param name="readResult">Reads the result value from JSON.</param>
    public TaskDescriptor(string name, string queue, IReadOnlyList<QueueDeclaration>? declaredQueues, JsonValueReader<TResult> readResult)
        : base(name, queue, declaredQueues) => ReadResult = readResult;

    /// <summary>Creates the descriptor of a task whose queue its own assembly declares; it exists for generated code.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The task's queue, as the generator resolved it from its assembly's declarations.</param>
    /// <param name="declaredQueues">The queues the declaring assembly declares.</param>
    /// <param name="readResult">Reads the result value from JSON.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskDescriptor(string name, QueueDeclaration queue, IReadOnlyList<QueueDeclaration> declaredQueues, JsonValueReader<TResult> readResult)
        : base(name, queue, declaredQueues) => ReadResult = readResult;

    /// <summary>Reads the result value from JSON.</summary>
    public JsonValueReader<TResult> ReadResult { get; }
}
