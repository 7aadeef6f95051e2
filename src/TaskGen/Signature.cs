using TaskGen.Serialization;

namespace TaskGen;

/// <summary>
/// A task call that has not been sent: the task, its argument values and the call's options. Send it
/// with <see cref="TaskApp.SendAsync(Signature, System.Threading.CancellationToken)"/> on any app.
/// </summary>
public class Signature
{
    /// <summary>Creates a signature.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The argument values.</param>
    /// <param name="options">The call's options, or null for the defaults.</param>
    public Signature(TaskDescriptor task, TaskArguments arguments, TaskOptions? options = null)
    {
        Task = task;
        Arguments = arguments;
        Options = options;
    }

    /// <summary>The task.</summary>
    public TaskDescriptor Task { get; }

    /// <summary>The argument values.</summary>
    public TaskArguments Arguments { get; }

    /// <summary>The call's options, or null for the defaults.</summary>
    public TaskOptions? Options { get; }

    /// <summary>Creates the result object a send of this signature returns.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="ignoreResult">Whether no result will arrive.</param>
    internal virtual AsyncResult CreateResult(string id, bool ignoreResult) => new(id, Task.Name, ignoreResult);

    /// <summary>Creates the result object a broadcast of this signature returns.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="release">Stops routing results to it once it has collected.</param>
    internal virtual BroadcastResult CreateBroadcastResult(string id, System.Action<Results.IResultSink> release) => new(id, Task.Name, release);
}

/// <summary>A task call with a typed result that has not been sent.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class Signature<TResult> : Signature
{
    /// <summary>Creates a signature.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The argument values.</param>
    /// <param name="options">The call's options, or null for the defaults.</param>
    public Signature(TaskDescriptor<TResult> task, TaskArguments arguments, TaskOptions? options = null)
        : base(task, arguments, options)
    {
    }

    /// <summary>The task.</summary>
    public new TaskDescriptor<TResult> Task => (TaskDescriptor<TResult>)base.Task;

    internal override AsyncResult CreateResult(string id, bool ignoreResult) => new AsyncResult<TResult>(id, Task, ignoreResult);

    internal override BroadcastResult CreateBroadcastResult(string id, System.Action<Results.IResultSink> release) => new BroadcastResult<TResult>(id, Task, release);
}
