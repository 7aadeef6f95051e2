using System;
using System.Collections.Generic;
using TaskGen.Serialization;

namespace TaskGen.Protocol;

/// <summary>Everything a producer puts into one task message, before it is encoded; a follow-up is a copy made with <c>with</c>.</summary>
internal sealed record TaskEnvelope
{
    /// <summary>The task id.</summary>
    public required string Id { get; init; }

    /// <summary>The task name.</summary>
    public required string Name { get; init; }

    /// <summary>The argument values.</summary>
    public required TaskArguments Arguments { get; init; }

    /// <summary>The exchange to publish to; empty for the default exchange.</summary>
    public string Exchange { get; init; } = string.Empty;

    /// <summary>The routing key (the queue name with the default exchange).</summary>
    public required string RoutingKey { get; init; }

    /// <summary>The reply queue for the result, or null when no result is wanted.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>The earliest moment to run the task.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>The moment after which the task must not run.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The message priority.</summary>
    public byte Priority { get; init; }

    /// <summary>Whether the worker should send no result.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>The id of the first task of the workflow; defaults to <see cref="Id"/>.</summary>
    public string? RootId { get; init; }

    /// <summary>The id of the task sending this one.</summary>
    public string? ParentId { get; init; }

    /// <summary>How many times the task has been retried.</summary>
    public int Retries { get; init; }

    /// <summary>The producer's node name (<c>gen&lt;pid&gt;@&lt;host&gt;</c>).</summary>
    public string? Origin { get; init; }

    /// <summary>The hard and soft time limits, sent as the <c>timelimit</c> header <c>[hard, soft]</c>.</summary>
    public (TimeSpan? Hard, TimeSpan? Soft) TimeLimit { get; init; }

    /// <summary>The body's third item, <c>{"callbacks", "errbacks", "chain", "chord"}</c>, as raw JSON; empty writes null.</summary>
    public ReadOnlyMemory<byte> Embed { get; init; }

    /// <summary>The id of the group the task is a member of (the <c>group</c> header), or null.</summary>
    public string? Group { get; init; }

    /// <summary>The task's place in its group (the <c>group_index</c> header), which orders a chord's results; null outside a group.</summary>
    public int? GroupIndex { get; init; }

    /// <summary>Extra headers sent beside the protocol's own.</summary>
    public IDictionary<string, object?>? ExtraHeaders { get; init; }
}
