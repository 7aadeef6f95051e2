using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen;

/// <summary>
/// Tasks run one after another, each step given the previous step's result as its first argument unless it is a full
/// signature (Celery's immutable <c>si</c>); sent as one message whose <c>embed.chain</c> carries the rest, as Celery sends it.
/// </summary>
public class TaskChain
{
    private protected TaskChain(IReadOnlyList<object> steps) => Steps = steps;

    /// <summary>The steps in running order: each a <see cref="Signature"/> (the first, and immutable steps) or a <see cref="PartialSignature"/>.</summary>
    public IReadOnlyList<object> Steps { get; }
}

/// <summary>A chain whose last step's result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The last step's result type.</typeparam>
public sealed class TaskChain<TResult> : TaskChain
{
    internal TaskChain(IReadOnlyList<object> steps)
        : base(steps)
    {
    }

    /// <summary>Adds a step that receives this chain's result as its first argument.</summary>
    /// <typeparam name="TNext">The step's result type.</typeparam>
    /// <param name="next">The step, without its first argument.</param>
    /// <exception cref="ArgumentException">The step's first parameter cannot take a <typeparamref name="TResult"/>.</exception>
    public TaskChain<TNext> Then<TNext>(PartialSignature<TNext> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        CheckFits(next, "next step", nameof(next));
        return new TaskChain<TNext>([.. Steps, next]);
    }

    /// <summary>Adds a step that ignores this chain's result (Celery's immutable signature).</summary>
    /// <typeparam name="TNext">The step's result type.</typeparam>
    /// <param name="next">The step with all its arguments.</param>
    public TaskChain<TNext> Then<TNext>(Signature<TNext> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new TaskChain<TNext>([.. Steps, next]);
    }

    /// <summary>Sends the chain through <see cref="TaskApp.Default"/>; completes once the broker confirms its first message.</summary>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The result of the last step.</returns>
    public Task<AsyncResult<TResult>> ApplyAsync(CancellationToken cancellationToken = default) => TaskApp.Default.SendAsync(this, cancellationToken);

    /// <summary>Throws when the first parameter of <paramref name="step"/> (a "next step" or a "callback", as <paramref name="kind"/> says) cannot take a <typeparamref name="TResult"/>.</summary>
    internal static void CheckFits(PartialSignature step, string kind, string parameterName)
    {
        if (!CanvasMessages.Accepts(step.InputType, typeof(TResult)))
        {
            throw new ArgumentException(CanvasMessages.StepDoesNotFit(kind, step.Task.Name, step.InputType, typeof(TResult)), parameterName);
        }
    }
}
