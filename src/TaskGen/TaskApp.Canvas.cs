using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen;

public sealed partial class TaskApp
{
    private const string CanvasOverloads = "Each overload takes another canvas type, so no call is ambiguous; the token is optional as on every async API.";

    /// <summary>Sends a chain and completes once the broker has confirmed its first message.</summary>
    /// <typeparam name="TResult">The last step's result type.</typeparam>
    /// <param name="chain">The chain.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The result of the last step.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public Task<AsyncResult<TResult>> SendAsync<TResult>(TaskChain<TResult> chain, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sends every member of a group and completes once the broker has confirmed them all.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public Task<GroupResult<TResult>> SendAsync<TResult>(TaskGroup<TResult> group, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sends both members of a mixed group and completes once the broker has confirmed them.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public Task<GroupResult<T1, T2>> SendAsync<T1, T2>(TaskGroup<T1, T2> group, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sends the three members of a mixed group and completes once the broker has confirmed them.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <typeparam name="T3">The third call's result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public Task<GroupResult<T1, T2, T3>> SendAsync<T1, T2, T3>(TaskGroup<T1, T2, T3> group, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sends a chord: sets its size on the result backend, then sends every header member carrying the body.</summary>
    /// <typeparam name="TResult">The body's result type.</typeparam>
    /// <param name="chord">The chord.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="NotSupportedException">The result backend cannot join a chord (<c>rpc://</c>); use <c>redis://</c>.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public Task<AsyncResult<TResult>> SendAsync<TResult>(TaskChord<TResult> chord, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Restores a group saved with <see cref="GroupResult.SaveAsync"/>, by id, with its members' results read as <typeparamref name="TResult"/>.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="task">Reads each member's result (any task with that result type).</param>
    /// <param name="groupId">The group id.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The group, or null when no group with that id was saved (or it expired).</returns>
    /// <exception cref="NotSupportedException">The result backend keeps no results by id (<c>rpc://</c>).</exception>
    public Task<GroupResult<TResult>?> RestoreGroupAsync<TResult>(TaskDescriptor<TResult> task, string groupId, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
