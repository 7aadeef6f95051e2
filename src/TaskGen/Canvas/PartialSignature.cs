using System;
using System.ComponentModel;
using TaskGen.Serialization;

namespace TaskGen;

/// <summary>
/// A task call whose first argument is left out, as Celery's partial signature: in a chain, a chord body or a callback it
/// receives the previous result (a chord body: the header's results as one list, in header order).
/// </summary>
public class PartialSignature
{
    /// <summary>Creates a partial signature; it exists for generated code, which knows the task's first parameter.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The argument values after the first.</param>
    /// <param name="inputType">The type of the task's first parameter, which the previous result must fit.</param>
    /// <param name="inputElementType">The element type when the first parameter is an array or list (what a chord body takes of each header result); null otherwise.</param>
    /// <param name="options">The call's options, or null for the defaults.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public PartialSignature(TaskDescriptor task, TaskArguments arguments, Type inputType, Type? inputElementType, TaskOptions? options = null)
    {
        Task = task ?? throw new ArgumentNullException(nameof(task));
        Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
        InputType = inputType ?? throw new ArgumentNullException(nameof(inputType));
        InputElementType = inputElementType;
        Options = options;
    }

    /// <summary>The task.</summary>
    public TaskDescriptor Task { get; }

    /// <summary>The argument values after the first.</summary>
    public TaskArguments Arguments { get; }

    /// <summary>The type of the task's first parameter, which receives the previous result.</summary>
    public Type InputType { get; }

    /// <summary>The element type when the first parameter is an array or a list, so a chord body's fit to its header can be checked; null otherwise.</summary>
    public Type? InputElementType { get; }

    /// <summary>The call's options, or null for the defaults.</summary>
    public TaskOptions? Options { get; }
}

/// <summary>A partial signature of a task whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class PartialSignature<TResult> : PartialSignature
{
    /// <summary>Creates a partial signature; it exists for generated code, which knows the task's first parameter.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">The argument values after the first.</param>
    /// <param name="inputType">The type of the task's first parameter, which the previous result must fit.</param>
    /// <param name="inputElementType">The element type when the first parameter is an array or list; null otherwise.</param>
    /// <param name="options">The call's options, or null for the defaults.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public PartialSignature(TaskDescriptor<TResult> task, TaskArguments arguments, Type inputType, Type? inputElementType, TaskOptions? options = null)
        : base(task, arguments, inputType, inputElementType, options)
    {
    }

    /// <summary>The task.</summary>
    public new TaskDescriptor<TResult> Task => (TaskDescriptor<TResult>)base.Task;
}
