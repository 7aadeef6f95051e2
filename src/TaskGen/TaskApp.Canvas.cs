using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen;

/// <content>Canvases: chains, groups and chords, sent as Celery's producer sends them.</content>
public sealed partial class TaskApp
{
    /// <summary>
    /// How many messages of one group or chord are in flight to the broker at once: enough to keep publisher confirms
    /// pipelined, few enough that a group of many thousands does not hold a task per member.
    /// </summary>
    private const int CanvasPublishWindow = 512;

    private const string CanvasOverloads = "Each overload takes another canvas type, so no call is ambiguous; the token is optional as on every async API.";

    /// <summary>Sends a chain and completes once the broker has confirmed its first message.</summary>
    /// <typeparam name="TResult">The last step's result type.</typeparam>
    /// <param name="chain">The chain.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The result of the last step.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public async Task<AsyncResult<TResult>> SendAsync<TResult>(TaskChain<TResult> chain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var first = (Signature)chain.Steps[0];

        // Every later step is frozen now, as Celery's prepare_steps does, so the last step's id is known before anything runs.
        var rest = new FrozenSignature[chain.Steps.Count - 1];
        for (int i = 1; i < chain.Steps.Count; i++)
        {
            rest[i - 1] = chain.Steps[i] switch
            {
                PartialSignature partial => Freeze(partial.Task, partial.Arguments, partial.Options, immutable: false, withId: true, [], []),
                Signature full => Freeze(full.Task, full.Arguments, full.Options, immutable: true, withId: true, full.Callbacks, full.ErrorCallbacks),
                _ => throw new ArgumentException($"Step {i} of the chain is neither a Signature nor a PartialSignature.", nameof(chain)),
            };
        }

        (TaskEnvelope envelope, QueueDeclaration queue) = CreateEnvelope(first, (first.Options?.IgnoreResult ?? false) || _results is null);
        envelope = envelope with { Embed = SignatureWriter.Embed(FreezeCallbacks(first.Callbacks), FreezeCallbacks(first.ErrorCallbacks), rest, null) };

        FrozenSignature last = rest[^1];
        TaskDescriptor<TResult> lastTask = chain.Steps[^1] switch
        {
            PartialSignature<TResult> partial => partial.Task,
            Signature<TResult> full => full.Task,
            _ => throw new ArgumentException("The chain's last step does not return its result type.", nameof(chain)),
        };
        AsyncResult<TResult> result = Watch(last.TaskId!, lastTask, last.IgnoreResult, last.Queue);
        await PublishWatchedAsync(result, envelope, queue, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends every member of a group and completes once the broker has confirmed them all.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <exception cref="GroupSendException">A publish failed after some members had gone out; it names them, and no further member was sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public async Task<GroupResult<TResult>> SendAsync<TResult>(TaskGroup<TResult> group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        (string id, AsyncResult[] members) = await SendMembersAsync(group.Members, cancellationToken).ConfigureAwait(false);
        return new GroupResult<TResult>(id, Array.ConvertAll(members, static member => (AsyncResult<TResult>)member), _backends.Groups);
    }

    /// <summary>Sends both members of a mixed group and completes once the broker has confirmed them.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <exception cref="GroupSendException">A publish failed after some members had gone out; it names them, and no further member was sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public async Task<GroupResult<T1, T2>> SendAsync<T1, T2>(TaskGroup<T1, T2> group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        (string id, AsyncResult[] members) = await SendMembersAsync(group.Members, cancellationToken).ConfigureAwait(false);
        return new GroupResult<T1, T2>(id, (AsyncResult<T1>)members[0], (AsyncResult<T2>)members[1], _backends.Groups);
    }

    /// <summary>Sends the three members of a mixed group and completes once the broker has confirmed them.</summary>
    /// <typeparam name="T1">The first call's result type.</typeparam>
    /// <typeparam name="T2">The second call's result type.</typeparam>
    /// <typeparam name="T3">The third call's result type.</typeparam>
    /// <param name="group">The group.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <exception cref="GroupSendException">A publish failed after some members had gone out; it names them, and no further member was sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public async Task<GroupResult<T1, T2, T3>> SendAsync<T1, T2, T3>(TaskGroup<T1, T2, T3> group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        (string id, AsyncResult[] members) = await SendMembersAsync(group.Members, cancellationToken).ConfigureAwait(false);
        return new GroupResult<T1, T2, T3>(id, (AsyncResult<T1>)members[0], (AsyncResult<T2>)members[1], (AsyncResult<T3>)members[2], _backends.Groups);
    }

    /// <summary>Sends a chord: sets its size on the result backend, then sends every header member carrying the body.</summary>
    /// <typeparam name="TResult">The body's result type.</typeparam>
    /// <param name="chord">The chord.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="NotSupportedException">The result backend cannot join a chord (<c>rpc://</c>); use <c>redis://</c>.</exception>
    /// <exception cref="GroupSendException">A publish failed after some header members had gone out, so the chord can never complete; no further member was sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = CanvasOverloads)]
    public async Task<AsyncResult<TResult>> SendAsync<TResult>(TaskChord<TResult> chord, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chord);
        IGroupStore store = _backends.Groups ?? throw new NotSupportedException(CanvasMessages.ChordNeedsResultsById);
        (TaskDescriptor<TResult> bodyTask, TaskArguments bodyArguments, TaskOptions? bodyOptions, bool immutable, IReadOnlyList<PartialSignature> callbacks, IReadOnlyList<PartialSignature> errbacks) = chord.Body switch
        {
            PartialSignature<TResult> partial => (partial.Task, partial.Arguments, partial.Options, false, (IReadOnlyList<PartialSignature>)[], (IReadOnlyList<PartialSignature>)[]),
            Signature<TResult> full => (full.Task, full.Arguments, full.Options, true, full.Callbacks, full.ErrorCallbacks),
            _ => throw new ArgumentException("The chord's body does not return its result type.", nameof(chord)),
        };

        // The app's routes may send the body somewhere its own assembly does not, so the broadcast check is made again here.
        QueueDeclaration bodyQueue = ResolveQueue(bodyTask, bodyOptions);
        if (bodyQueue.Broadcast)
        {
            throw new ArgumentException(CanvasMessages.BroadcastBody(bodyTask.Name, bodyQueue.Name), nameof(chord));
        }

        string groupId = Guid.NewGuid().ToString();
        FrozenSignature body = Freeze(bodyTask, bodyArguments, bodyOptions, immutable, withId: true, callbacks, errbacks, groupId);
        IReadOnlyList<Signature> members = chord.Header.Members;
        AsyncResult<TResult> result;
        if (members.Count == 0)
        {
            // Nothing would ever complete the header, so the body is sent at once with an empty list, as Celery sends it.
            TaskArguments arguments = immutable ? bodyArguments : WithFirstArgument(bodyArguments, "[]");
            (TaskEnvelope bodyEnvelope, QueueDeclaration queue) = CreateEnvelope(new Signature(bodyTask, arguments, bodyOptions), body.IgnoreResult || _results is null);
            bodyEnvelope = bodyEnvelope with
            {
                Id = body.TaskId!,
                Group = groupId,
                Embed = body.Link.Count + body.LinkError.Count > 0 ? SignatureWriter.Embed(body.Link, body.LinkError, [], null) : default,
            };
            result = Watch(body.TaskId!, bodyTask, body.IgnoreResult, bodyQueue.Name);
            await PublishWatchedAsync(result, bodyEnvelope, queue, cancellationToken).ConfigureAwait(false);
            return result;
        }

        // Members without callbacks of their own share one embed: a large chord writes its body once, not once per member.
        ReadOnlyMemory<byte> shared = SignatureWriter.Embed([], [], [], body);
        var messages = new (TaskEnvelope, QueueDeclaration)[members.Count];
        Dictionary<string, object?> sized = WithChordSize(null, messages.Length);
        for (int i = 0; i < messages.Length; i++)
        {
            Signature member = members[i];
            (TaskEnvelope envelope, QueueDeclaration queue) = CreateEnvelope(member, ignoreResult: false);
            ReadOnlyMemory<byte> embed = member.Callbacks.Count + member.ErrorCallbacks.Count > 0
                ? SignatureWriter.Embed(FreezeCallbacks(member.Callbacks), FreezeCallbacks(member.ErrorCallbacks), [], body)
                : shared;
            messages[i] = (envelope with { Group = groupId, GroupIndex = i, Embed = embed, ExtraHeaders = envelope.ExtraHeaders is null ? sized : WithChordSize(envelope.ExtraHeaders, messages.Length) }, queue);
        }

        // Watched only once every message is built: building one can throw (an undeclared queue, a refused option), and
        // nothing would then ever read or release the body's result.
        result = Watch(body.TaskId!, bodyTask, body.IgnoreResult, bodyQueue.Name);
        bool[] sent;
        Exception? failure;
        try
        {
            await _results!.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);

            // A store may not look at the token, and a chord size set for a send the caller gave up on would outlive it.
            cancellationToken.ThrowIfCancellationRequested();

            // Celery's group._apply_tasks sets the size just before the last header message; setting it before the first
            // is as safe (no part can finish the chord before the size is known) and lets the members go out together.
            await store.SetChordSizeAsync(groupId, messages.Length, cancellationToken).ConfigureAwait(false);
            (sent, failure) = await PublishAllAsync(messages, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _results?.Unregister(result.Id);
            throw;
        }

        if (failure is not null)
        {
            // Part of a header out is a chord no worker can complete, so its body's result would never arrive.
            _results?.Unregister(result.Id);
            ThrowSentInPart(groupId, chord: true, failure, sent, messages, sentResults: null);
        }

        return result;
    }

    /// <summary>Restores a group saved with <see cref="GroupResult.SaveAsync"/>, by id, with its members' results read as <typeparamref name="TResult"/>.</summary>
    /// <typeparam name="TResult">The members' result type.</typeparam>
    /// <param name="task">Reads each member's result (any task with that result type).</param>
    /// <param name="groupId">The group id.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The group, or null when no group with that id was saved (or it expired).</returns>
    /// <exception cref="NotSupportedException">The result backend keeps no results by id (<c>rpc://</c>).</exception>
    public async Task<GroupResult<TResult>?> RestoreGroupAsync<TResult>(TaskDescriptor<TResult> task, string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        IGroupStore store = _backends.Groups ?? throw new NotSupportedException(CanvasMessages.GroupNeedsResultsById);

        // Checked here as well as by the store, which may answer from a connection it already holds without looking at the token.
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<string>? ids = await store.RestoreGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
        if (ids is null)
        {
            return null;
        }

        var results = new AsyncResult<TResult>[ids.Count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = GetResult(task, ids[i]);
        }

        return new GroupResult<TResult>(groupId, results, store);
    }

    /// <summary>Freezes the callbacks of a call: no task id, since the worker that sends a callback gives it one, as Celery's does.</summary>
    private FrozenSignature[] FreezeCallbacks(IReadOnlyList<PartialSignature> callbacks)
    {
        if (callbacks.Count == 0)
        {
            return [];
        }

        var frozen = new FrozenSignature[callbacks.Count];
        for (int i = 0; i < frozen.Length; i++)
        {
            PartialSignature callback = callbacks[i];
            frozen[i] = Freeze(callback.Task, callback.Arguments, callback.Options, immutable: false, withId: false, [], []);
        }

        return frozen;
    }

    /// <summary>
    /// Turns a call that another message carries into the signature dict a worker sends it from: its queue resolved here,
    /// since the worker may not share this app's routes, and, when frozen, its task id and the reply queue its result goes to.
    /// </summary>
    private FrozenSignature Freeze(TaskDescriptor task, TaskArguments arguments, TaskOptions? options, bool immutable, bool withId, IReadOnlyList<PartialSignature> callbacks, IReadOnlyList<PartialSignature> errbacks, string? groupId = null)
    {
        options?.Validate(DateTimeOffset.UtcNow);
        QueueDeclaration queue = ResolveQueue(task, options);
        bool ignoreResult = options?.IgnoreResult ?? false;
        return new FrozenSignature
        {
            Task = task.Name,
            Arguments = arguments,
            Immutable = immutable,
            Queue = queue.Name,
            Exchange = options?.Exchange,
            RoutingKey = options?.RoutingKey,
            Priority = options?.Priority,
            Countdown = options?.Countdown,
            Eta = options?.Eta,
            Expires = options?.Expires ?? (options?.ExpiresIn is { } expiresIn ? DateTimeOffset.UtcNow + expiresIn : null),
            TimeLimit = options?.TimeLimit,
            SoftTimeLimit = options?.SoftTimeLimit,
            IgnoreResult = ignoreResult,
            TaskId = withId ? options?.TaskId ?? Guid.NewGuid().ToString() : null,
            ReplyTo = withId && !ignoreResult ? _results?.ReplyQueue : null,
            GroupId = groupId,
            Link = FreezeCallbacks(callbacks),
            LinkError = FreezeCallbacks(errbacks),
        };
    }
}
