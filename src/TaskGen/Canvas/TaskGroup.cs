using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen;

/// <summary>
/// Tasks run in parallel, sent as Celery sends a group: one ordinary message per member carrying the <c>group</c> and
/// <c>group_index</c> headers, and no message for the group itself.
/// </summary>
public class TaskGroup
{
    private protected TaskGroup(IReadOnlyList<Signature> members, Type memberResultType)
    {
        Members = members;
        MemberResultType = memberResultType;
    }

    /// <summary>The members in order; results come back in this order.</summary>
    public IReadOnlyList<Signature> Members { get; }

    /// <summary>The type each member's result is read as, which a chord body's list elements must accept.</summary>
    internal Type MemberResultType { get; }

    /// <summary>Creates a group of calls of tasks with the same result type.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="members">The calls, in the order their results are wanted.</param>
    public static TaskGroup<TResult> Of<TResult>(IEnumerable<Signature<TResult>> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Signature<TResult>[] list = [.. members];
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] is null)
            {
                throw new ArgumentException($"Member {i} of the group is null.", nameof(members));
            }
        }

        return new TaskGroup<TResult>(list);
    }

    /// <summary>Creates a group of calls of tasks with the same result type.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="members">The calls, in the order their results are wanted.</param>
    public static TaskGroup<TResult> Of<TResult>(params Signature<TResult>[] members) => Of((IEnumerable<Signature<TResult>>)members);

    /// <summary>Creates a group of two calls with different result types, whose result is a tuple.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <param name="first">The first call.</param>
    /// <param name="second">The second call.</param>
    public static TaskGroup<T1, T2> Mixed<T1, T2>(Signature<T1> first, Signature<T2> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return new TaskGroup<T1, T2>(first, second);
    }

    /// <summary>Creates a group of three calls with different result types, whose result is a tuple.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <typeparam name="T3">The third call's result type.</typeparam>
    /// <param name="first">The first call.</param>
    /// <param name="second">The second call.</param>
    /// <param name="third">The third call.</param>
    public static TaskGroup<T1, T2, T3> Mixed<T1, T2, T3>(Signature<T1> first, Signature<T2> second, Signature<T3> third)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(third);
        return new TaskGroup<T1, T2, T3>(first, second, third);
    }
}

/// <summary>A group whose members all return a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The members' result type.</typeparam>
public sealed class TaskGroup<TResult> : TaskGroup
{
    internal TaskGroup(IReadOnlyList<Signature<TResult>> members)
        : base(members, typeof(TResult))
    {
    }

    /// <summary>Sends the group through <see cref="TaskApp.Default"/>; completes once the broker confirms every member.</summary>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    public Task<GroupResult<TResult>> ApplyAsync(CancellationToken cancellationToken = default) => TaskApp.Default.SendAsync(this, cancellationToken);
}

/// <summary>A group of two calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
public sealed class TaskGroup<T1, T2> : TaskGroup
{
    internal TaskGroup(Signature<T1> first, Signature<T2> second)
        : base([first, second], typeof(System.Text.Json.JsonElement))
    {
    }

    /// <summary>Sends the group through <see cref="TaskApp.Default"/>; completes once the broker confirms every member.</summary>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    public Task<GroupResult<T1, T2>> ApplyAsync(CancellationToken cancellationToken = default) => TaskApp.Default.SendAsync(this, cancellationToken);
}

/// <summary>A group of three calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
/// <typeparam name="T3">The third call's result type.</typeparam>
public sealed class TaskGroup<T1, T2, T3> : TaskGroup
{
    internal TaskGroup(Signature<T1> first, Signature<T2> second, Signature<T3> third)
        : base([first, second, third], typeof(System.Text.Json.JsonElement))
    {
    }

    /// <summary>Sends the group through <see cref="TaskApp.Default"/>; completes once the broker confirms every member.</summary>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    public Task<GroupResult<T1, T2, T3>> ApplyAsync(CancellationToken cancellationToken = default) => TaskApp.Default.SendAsync(this, cancellationToken);
}
