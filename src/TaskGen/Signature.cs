using System.Collections.Generic;
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

    /// <summary>The callbacks sent with this call's result as their first argument when it succeeds (Celery's <c>link</c>).</summary>
    public IReadOnlyList<PartialSignature> Callbacks { get; private protected init; } = [];

    /// <summary>The error callbacks sent with this call's task id as their first argument when it fails (Celery's <c>link_error</c>).</summary>
    public IReadOnlyList<PartialSignature> ErrorCallbacks { get; private protected init; } = [];

    /// <summary>Returns a copy of this call that, when it fails, sends <paramref name="errback"/> with the failed task's id as its first argument.</summary>
    /// <param name="errback">The error callback, whose first parameter takes a <see cref="string"/>.</param>
    /// <exception cref="System.ArgumentException">The error callback's first parameter cannot take a task id.</exception>
    public Signature OnError(PartialSignature errback) => WithErrback(errback);

    /// <summary>A copy of this call with the same task, arguments and options and the given callbacks, of this call's own type.</summary>
    private protected virtual Signature With(IReadOnlyList<PartialSignature> callbacks, IReadOnlyList<PartialSignature> errorCallbacks) =>
        new(Task, Arguments, Options) { Callbacks = callbacks, ErrorCallbacks = errorCallbacks };

    /// <summary>Checks an error callback and returns a copy of this call that sends it.</summary>
    private protected Signature WithErrback(PartialSignature errback)
    {
        System.ArgumentNullException.ThrowIfNull(errback);
        if (!CanvasMessages.Accepts(errback.InputType, typeof(string)))
        {
            throw new System.ArgumentException(CanvasMessages.ErrbackDoesNotFit(errback.Task.Name, errback.InputType), nameof(errback));
        }

        return With(Callbacks, [.. ErrorCallbacks, errback]);
    }

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

    /// <summary>Starts a chain: <paramref name="next"/> runs after this call, with its result as the first argument.</summary>
    /// <typeparam name="TNext">The next step's result type.</typeparam>
    /// <param name="next">The next step, without its first argument.</param>
    /// <exception cref="System.ArgumentException">The next step's first parameter cannot take a <typeparamref name="TResult"/>.</exception>
    public TaskChain<TNext> Then<TNext>(PartialSignature<TNext> next)
    {
        System.ArgumentNullException.ThrowIfNull(next);
        TaskChain<TResult>.CheckFits(next, "next step", nameof(next));
        return new TaskChain<TNext>([this, next]);
    }

    /// <summary>Starts a chain whose next step runs after this call without its result (Celery's immutable signature).</summary>
    /// <typeparam name="TNext">The next step's result type.</typeparam>
    /// <param name="next">The next step with all its arguments.</param>
    public TaskChain<TNext> Then<TNext>(Signature<TNext> next)
    {
        System.ArgumentNullException.ThrowIfNull(next);
        return new TaskChain<TNext>([this, next]);
    }

    /// <summary>Returns a copy of this call that, when it succeeds, sends <paramref name="callback"/> with the result as its first argument.</summary>
    /// <param name="callback">The callback, without its first argument.</param>
    /// <exception cref="System.ArgumentException">The callback's first parameter cannot take a <typeparamref name="TResult"/>.</exception>
    public Signature<TResult> OnSuccess(PartialSignature callback)
    {
        System.ArgumentNullException.ThrowIfNull(callback);
        TaskChain<TResult>.CheckFits(callback, "callback", nameof(callback));
        return (Signature<TResult>)With([.. Callbacks, callback], ErrorCallbacks);
    }

    /// <summary>Returns a copy of this call that, when it fails, sends <paramref name="errback"/> with the failed task's id as its first argument.</summary>
    /// <param name="errback">The error callback, whose first parameter takes a <see cref="string"/>.</param>
    /// <exception cref="System.ArgumentException">The error callback's first parameter cannot take a task id.</exception>
    public new Signature<TResult> OnError(PartialSignature errback) => (Signature<TResult>)WithErrback(errback);

    private protected override Signature With(IReadOnlyList<PartialSignature> callbacks, IReadOnlyList<PartialSignature> errorCallbacks) =>
        new Signature<TResult>(Task, Arguments, Options) { Callbacks = callbacks, ErrorCallbacks = errorCallbacks };

    internal override AsyncResult CreateResult(string id, bool ignoreResult) => new AsyncResult<TResult>(id, Task, ignoreResult);

    internal override BroadcastResult CreateBroadcastResult(string id, System.Action<Results.IResultSink> release) => new BroadcastResult<TResult>(id, Task, release);
}
