using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>A queue declared with <c>[assembly: TaskQueue]</c>.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Broadcast">Whether the queue is a broadcast (fanout) queue.</param>
/// <param name="Type">The <c>QueueType</c> member written in the attribute (<c>Classic</c>, <c>Quorum</c>), or null when none was.</param>
internal sealed record QueueSpec(string Name, bool Broadcast, string? Type = null);

/// <summary>The compilation-wide facts the emitter needs, projected from the compilation once per edit.</summary>
/// <remarks>Holds strings and equatable arrays only, so that an edit that changes none of them changes nothing downstream.</remarks>
/// <param name="Emit">The facts every task file needs.</param>
/// <param name="QueuesNamespace">The namespace of the <c>Queues</c> constants class.</param>
/// <param name="RegistrationName">The name of the registration extension method (<c>AddCeleryAppTasks</c>).</param>
/// <param name="Queues">The declared queues, in declaration order.</param>
internal sealed record AssemblySpec(EmitContext Emit, string QueuesNamespace, string RegistrationName, EquatableArray<QueueSpec> Queues);

/// <summary>The few compilation facts every per-task file depends on; kept small so that per-task files rarely re-emit.</summary>
/// <param name="ModuleName">The generated module class's name in <c>TaskGen.Generated</c>.</param>
/// <param name="JsonContext">The <c>global::</c>-qualified JSON context type, or null when none is declared.</param>
/// <param name="Queues">
/// The declared queues: a task's descriptor carries its own queue's declaration, and a task on a broadcast queue gets a
/// stub that returns broadcast results.
/// </param>
internal sealed record EmitContext(string ModuleName, string? JsonContext, EquatableArray<QueueSpec> Queues);
