using System.Collections.Generic;
using System.ComponentModel;
using System.Threading.Tasks;
using TaskGen.Scheduling;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// The tasks of one assembly and their dispatch table. The generator emits exactly one subclass per
/// assembly that declares tasks; its <see cref="DispatchAsync"/> is a switch over task names.
///  It exists for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class TaskModule
{
    /// <summary>The tasks this module can run.</summary>
    public abstract IReadOnlyList<TaskDefinition> Tasks { get; }

    /// <summary>The queues the assembly declares with <see cref="TaskQueueAttribute"/>.</summary>
    public abstract IReadOnlyList<QueueDeclaration> Queues { get; }

    /// <summary>
    /// The call shape of every task the assembly has a stub for (its own and its contracts'), for tools that build typed
    /// forms; empty for modules written by hand.
    /// </summary>
    public virtual IReadOnlyList<TaskSignatureInfo> Signatures => [];

    /// <summary>Decodes the arguments, calls the task method and records its result on the invocation.</summary>
    /// <param name="invocation">The request to run.</param>
    /// <exception cref="TaskArgumentException">The arguments do not fit the task's parameters.</exception>
    public abstract ValueTask DispatchAsync(TaskInvocation invocation);

    /// <summary>
    /// Adds the schedule entries the assembly declares with <see cref="PeriodicAttribute"/>; the app builder calls it once
    /// per module, when the module is added. The generated module overrides it when the assembly has such entries.
    /// </summary>
    /// <param name="schedule">The app's schedule.</param>
    /// <exception cref="System.ArgumentException">An entry of the same name is in the schedule already.</exception>
    public virtual void AddPeriodic(ScheduleBuilder schedule)
    {
    }
}
