using System.ComponentModel;

namespace TaskGen.Transport;

/// <summary>A queue as an assembly declares it with <see cref="TaskQueueAttribute"/>. It exists for generated code.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Broadcast">Whether every worker receives each message (a fanout exchange).</param>
/// <param name="Type">The queue's RabbitMQ type; <see cref="QueueType.Default"/> leaves it to the app's options.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record QueueDeclaration(string Name, bool Broadcast = false, QueueType Type = QueueType.Default);
