using System;
using System.Collections.Generic;
using TaskGen.Serialization;

namespace TaskGen;

/// <summary>
/// A signature ready to travel inside another message (a chain step, a chord body, a callback): the task, its
/// arguments, and its options with the routing already resolved and, when it was frozen, its task id and reply queue.
/// </summary>
internal sealed record FrozenSignature
{
    /// <summary>The task name.</summary>
    public required string Task { get; init; }

    /// <summary>The arguments the signature holds; for a partial signature, those after the first.</summary>
    public required TaskArguments Arguments { get; init; }

    /// <summary>Whether the worker must not prepend the previous result (Celery's <c>si</c>).</summary>
    public bool Immutable { get; init; }

    /// <summary>The queue the task goes to, resolved by the producer, since the worker that sends it may not know the producer's routes.</summary>
    public string? Queue { get; init; }

    /// <summary>The exchange the call names, or null.</summary>
    public string? Exchange { get; init; }

    /// <summary>The routing key the call names, or null.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>The message priority the call names, or null.</summary>
    public byte? Priority { get; init; }

    /// <summary>The countdown the call names, or null.</summary>
    public TimeSpan? Countdown { get; init; }

    /// <summary>The earliest run time the call names, or null.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>The expiry the call names, or null.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The hard time limit the call names, or null.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The soft time limit the call names, or null.</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>Whether the call keeps no result.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>The task id given when frozen; null for callbacks, which the worker gives an id.</summary>
    public string? TaskId { get; init; }

    /// <summary>Where the result goes on <c>rpc://</c>; null when results are kept by id or not at all.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>The chord's group id, on a chord body, as Celery 5.6 freezes it.</summary>
    public string? GroupId { get; init; }

    /// <summary>The callbacks run with this task's result (Celery's <c>link</c> option).</summary>
    public IReadOnlyList<FrozenSignature> Link { get; init; } = [];

    /// <summary>The error callbacks run with this task's id when it fails (Celery's <c>link_error</c> option).</summary>
    public IReadOnlyList<FrozenSignature> LinkError { get; init; } = [];
}
