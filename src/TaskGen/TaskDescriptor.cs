using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen;

/// <summary>
/// What a generated stub knows about its task: its name, its default queue and the module of the
/// assembly that declares it. One instance per task lives in a static field of the stub.
/// </summary>
public class TaskDescriptor
{
    /// <summary>Creates the descriptor of a task without a result value.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default.</param>
    /// <param name="module">The generated module of the declaring assembly, for its queue declarations; null for calls by name.</param>
    public TaskDescriptor(string name, string queue, TaskModule? module)
    {
        Name = name;
        Queue = queue;
        Module = module;
    }

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The queue the task is routed to by default.</summary>
    public string Queue { get; }

    /// <summary>The generated module of the declaring assembly, or null for a call by name.</summary>
    public TaskModule? Module { get; }
}

/// <summary>The descriptor of a task whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class TaskDescriptor<TResult> : TaskDescriptor
{
    /// <summary>Creates the descriptor.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="queue">The queue the task is routed to by default.</param>
    /// <param name="module">The generated module of the declaring assembly; null for calls by name.</param>
    /// <param name="readResult">Reads the result value from JSON.</param>
    public TaskDescriptor(string name, string queue, TaskModule? module, JsonValueReader<TResult> readResult)
        : base(name, queue, module) => ReadResult = readResult;

    /// <summary>Reads the result value from JSON.</summary>
    public JsonValueReader<TResult> ReadResult { get; }
}
