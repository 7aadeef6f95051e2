using System;

namespace TaskGen;

/// <summary>
/// Declares a queue that tasks of this assembly (or of assemblies referencing it) may be routed to,
/// so that routing mistakes are caught when the program is built rather than when a message is lost.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class TaskQueueAttribute : Attribute
{
    /// <summary>Declares the queue <paramref name="name"/>.</summary>
    /// <param name="name">The queue's name on the broker.</param>
    public TaskQueueAttribute(string name) => Name = name;

    /// <summary>The queue's name on the broker.</summary>
    public string Name { get; }

    /// <summary>When true every worker bound to the queue receives each message (a fanout exchange).</summary>
    public bool Broadcast { get; set; }

    /// <summary>
    /// The queue's RabbitMQ type; <see cref="QueueType.Default"/> follows <see cref="TaskAppOptions.TaskDefaultQueueType"/>.
    /// A broadcast queue cannot be a quorum queue, since each worker's queue on it is exclusive.
    /// </summary>
    public QueueType Type { get; set; }
}
