using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Results;

namespace TaskGen;

/// <summary>
/// The pending results of a sent group, as Celery's <c>GroupResult</c>: its id, each member's result in member order,
/// and a way to wait for all of them; on a durable backend it can be saved and restored by id.
/// </summary>
public class GroupResult
{
    private readonly IGroupStore? _store;

    private protected GroupResult(string id, IReadOnlyList<AsyncResult> results, IGroupStore? store)
    {
        Id = id;
        Results = results;
        _store = store;
    }

    /// <summary>The group id (the <c>group</c> header of every member).</summary>
    public string Id { get; }

    /// <summary>Each member's result, in member order.</summary>
    public IReadOnlyList<AsyncResult> Results { get; }

    /// <summary>How many members have finished (succeeded, failed or been revoked).</summary>
    public int CompletedCount
    {
        get
        {
            int count = 0;
            foreach (AsyncResult result in Results)
            {
                count += result.IsReady ? 1 : 0;
            }

            return count;
        }
    }

    /// <summary>True once every member has finished.</summary>
    public bool IsReady => CompletedCount == Results.Count;

    /// <summary>Waits until every member has finished, without throwing for failed members.</summary>
    /// <param name="timeout">How long to wait for all of them; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TimeoutException">Some member did not finish within <paramref name="timeout"/>.</exception>
    public async Task WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        DateTimeOffset? deadline = Deadline(timeout);
        foreach (AsyncResult result in Results)
        {
            await result.WaitFinishedAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Saves the group's member ids on the result backend (<c>celery-taskset-meta-&lt;id&gt;</c>), so any process can restore it by id.</summary>
    /// <param name="cancellationToken">Cancels saving.</param>
    /// <exception cref="NotSupportedException">The app's result backend keeps no results by id (<c>rpc://</c>).</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        IGroupStore store = _store ?? throw new NotSupportedException(CanvasMessages.GroupNeedsResultsById);

        // Checked here as well as by the store, which may write on a connection it already holds without looking at the token.
        cancellationToken.ThrowIfCancellationRequested();
        var ids = new string[Results.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Results[i].Id;
        }

        await store.SaveGroupAsync(Id, ids, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When a wait of <paramref name="timeout"/> for all members ends; null for a wait each member bounds itself.</summary>
    private protected static DateTimeOffset? Deadline(TimeSpan? timeout) => timeout is { } given ? DateTimeOffset.UtcNow + given : null;

    /// <summary>What is left of a wait for all members, so that the members share one timeout rather than each having its own.</summary>
    private protected static TimeSpan? Remaining(DateTimeOffset? deadline) =>
        deadline is { } end ? (end - DateTimeOffset.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero) : null;
}

/// <summary>The pending results of a group whose members return a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The members' result type.</typeparam>
public sealed class GroupResult<TResult> : GroupResult
{
    internal GroupResult(string id, IReadOnlyList<AsyncResult<TResult>> results, IGroupStore? store)
        : base(id, results, store) => Results = results;

    /// <summary>Each member's result, in member order.</summary>
    public new IReadOnlyList<AsyncResult<TResult>> Results { get; }

    /// <summary>Waits for every member and returns their values in member order, or throws the first failure in member order.</summary>
    /// <param name="timeout">How long to wait for all of them; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TaskFailedException">A member failed on its worker.</exception>
    /// <exception cref="TimeoutException">Some member did not finish within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<TResult>> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        // In member order, as Celery's join: the first failure met is the one thrown.
        DateTimeOffset? deadline = Deadline(timeout);
        var values = new TResult[Results.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = await Results[i].GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        }

        return values;
    }

    /// <summary>Lets <c>await result</c> wait for every member's value without a timeout.</summary>
    public TaskAwaiter<IReadOnlyList<TResult>> GetAwaiter() => GetAsync().GetAwaiter();
}

/// <summary>The pending results of a group of two calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
public sealed class GroupResult<T1, T2> : GroupResult
{
    internal GroupResult(string id, AsyncResult<T1> first, AsyncResult<T2> second, IGroupStore? store)
        : base(id, [first, second], store) => (First, Second) = (first, second);

    /// <summary>The first call's result.</summary>
    public AsyncResult<T1> First { get; }

    /// <summary>The second call's result.</summary>
    public AsyncResult<T2> Second { get; }

    /// <summary>Waits for both calls and returns their values, or throws the first failure in member order.</summary>
    /// <param name="timeout">How long to wait for both; null waits at most the app's <c>ResultExpires</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the tasks are not affected).</param>
    /// <exception cref="TaskFailedException">A member failed on its worker.</exception>
    public async Task<(T1, T2)> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        DateTimeOffset? deadline = Deadline(timeout);
        T1 first = await First.GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        T2 second = await Second.GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        return (first, second);
    }

    /// <summary>Lets <c>await result</c> wait for both values without a timeout.</summary>
    public TaskAwaiter<(T1, T2)> GetAwaiter() => GetAsync().GetAwaiter();
}

/// <summary>The pending results of a group of three calls with different result types.</summary>
/// <typeparam name="T1">The first call's result type.</typeparam>
/// <typeparam name="T2">The second call's result type.</typeparam>
/// <typeparam name="T3">The third call's result type.</typeparam>
public sealed class GroupResult<T1, T2, T3> : GroupResult
{
    internal GroupResult(string id, AsyncResult<T1> first, AsyncResult<T2> second, AsyncResult<T3> third, IGroupStore? store)
        : base(id, [first, second, third], store) => (First, Second, Third) = (first, second, third);

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
    public async Task<(T1, T2, T3)> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        DateTimeOffset? deadline = Deadline(timeout);
        T1 first = await First.GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        T2 second = await Second.GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        T3 third = await Third.GetAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        return (first, second, third);
    }

    /// <summary>Lets <c>await result</c> wait for the three values without a timeout.</summary>
    public TaskAwaiter<(T1, T2, T3)> GetAwaiter() => GetAsync().GetAwaiter();
}
