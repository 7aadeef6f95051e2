using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen;

/// <summary>
/// The pending results of a sent group, as Celery's <c>GroupResult</c>: its id, each member's result in member order,
/// and a way to wait for all of them; on a durable backend it can be saved and restored by id.
/// </summary>
public class GroupResult
{
    private protected GroupResult(string id, IReadOnlyList<AsyncResult> results)
    {
        Id = id;
        Results = results;
    }

    /// <summary>The group id (the <c>group</c> header of every member).</summary>
    public string Id { get; }

    /// <summary>Each member's result, in member order.</summary>
    public IReadOnlyList<AsyncResult> Results { get; }

    /// <summary>How many members have finished (succeeded, failed or been revoked).</summary>
    public int CompletedCount => throw new NotImplementedException();

    /// <summary>True once every member has finished.</summary>
    public bool IsReady => throw new NotImplementedException();

    /// <summary>Waits until every member has finished, without throwing for failed members.</summary>
    /// <param name="timeout">How long to wait for all of them; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TimeoutException">Some member did not finish within <paramref name="timeout"/>.</exception>
    public Task WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Saves the group's member ids on the result backend (<c>celery-taskset-meta-&lt;id&gt;</c>), so any process can restore it by id.</summary>
    /// <param name="cancellationToken">Cancels saving.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps no results by id (<c>rpc://</c>).</exception>
    public Task SaveAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
}

/// <summary>The pending results of a group whose members return a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The members' result type.</typeparam>
public sealed class GroupResult<TResult> : GroupResult
{
    internal GroupResult(string id, IReadOnlyList<AsyncResult<TResult>> results)
        : base(id, results) => Results = results;

    /// <summary>Each member's result, in member order.</summary>
    public new IReadOnlyList<AsyncResult<TResult>> Results { get; }

    /// <summary>Waits for every member and returns their values in member order, or throws the first failure in member order.</summary>
    /// <param name="timeout">How long to wait for all of them; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TaskFailedException">A member failed on its worker.</exception>
    /// <exception cref="TimeoutException">Some member did not finish within <paramref name="timeout"/>.</exception>
    public Task<IReadOnlyList<TResult>> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Lets <c>await result</c> wait for every member's value without a timeout.</summary>
    public TaskAwaiter<IReadOnlyList<TResult>> GetAwaiter() => GetAsync().GetAwaiter();
}

/// <summary>The pending results of a group of two calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
public sealed class GroupResult<T1, T2> : GroupResult
{
    internal GroupResult(string id, AsyncResult<T1> first, AsyncResult<T2> second)
        : base(id, [first, second]) => (First, Second) = (first, second);

    /// <summary>The first call's result.</summary>
    public AsyncResult<T1> First { get; }

    /// <summary>The second call's result.</summary>
    public AsyncResult<T2> Second { get; }

    /// <summary>Waits for both calls and returns their values, or throws the first failure in member order.</summary>
    /// <param name="timeout">How long to wait for both; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TaskFailedException">A member failed on its worker.</exception>
    public Task<(T1, T2)> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Lets <c>await result</c> wait for both values without a timeout.</summary>
    public TaskAwaiter<(T1, T2)> GetAwaiter() => GetAsync().GetAwaiter();
}

/// <summary>The pending results of a group of three calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
/// <typeparam name="T3">The third call's result type.</typeparam>
public sealed class GroupResult<T1, T2, T3> : GroupResult
{
    internal GroupResult(string id, AsyncResult<T1> first, AsyncResult<T2> second, AsyncResult<T3> third)
        : base(id, [first, second, third]) => (First, Second, Third) = (first, second, third);

    /// <summary>The first call's result.</summary>
    public AsyncResult<T1> First { get; }

    /// <summary>The second call's result.</summary>
    public AsyncResult<T2> Second { get; }

    /// <summary>The third call's result.</summary>
    public AsyncResult<T3> Third { get; }

    /// <summary>Waits for the three calls and returns their values, or throws the first failure in member order.</summary>
    /// <param name="timeout">How long to wait for all three; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TaskFailedException">A member failed on its worker.</exception>
    public Task<(T1, T2, T3)> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Lets <c>await result</c> wait for the three values without a timeout.</summary>
    public TaskAwaiter<(T1, T2, T3)> GetAwaiter() => GetAsync().GetAwaiter();
}
