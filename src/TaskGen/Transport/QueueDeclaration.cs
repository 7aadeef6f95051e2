namespace TaskGen.Transport;

/// <summary>A queue as an assembly declares it with <see cref="TaskQueueAttribute"/>.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Broadcast">Whether every worker receives each message (a fanout exchange).</param>
public sealed record QueueDeclaration(string Name, bool Broadcast = false);
