using System;
using System.Collections.Generic;

namespace TaskGen.Protocol;

/// <summary>A task message decoded on the worker side: its headers, properties and the parts of its body.</summary>
public sealed class TaskRequest
{
    private IDictionary<string, object?>? _headers;

    /// <summary>The task id.</summary>
    public required string Id { get; init; }

    /// <summary>The task name.</summary>
    public required string Name { get; init; }

    /// <summary>The positional arguments, as the raw bytes of a JSON array.</summary>
    public required ReadOnlyMemory<byte> Args { get; init; }

    /// <summary>The keyword arguments, as the raw bytes of a JSON object.</summary>
    public required ReadOnlyMemory<byte> Kwargs { get; init; }

    /// <summary>The embedded workflow (<c>callbacks</c>, <c>errbacks</c>, <c>chain</c>, <c>chord</c>) as raw JSON, or empty when null.</summary>
    public ReadOnlyMemory<byte> Embed { get; init; }

    /// <summary>The language of the producer (<c>py</c>, <c>dotnet</c>).</summary>
    public string? Lang { get; init; }

    /// <summary>The earliest moment to run the task.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>The moment after which the task must not run.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>How many times the task has been retried.</summary>
    public int Retries { get; init; }

    /// <summary>
    /// Whether the worker took the task from a broadcast queue, where every worker runs it: its reply is kept per
    /// worker and it is never retried. Set by the worker, not read from the message.
    /// </summary>
    internal bool FromBroadcast { get; set; }

    /// <summary>The id of the first task of the workflow.</summary>
    public string? RootId { get; init; }

    /// <summary>The id of the task that sent this one.</summary>
    public string? ParentId { get; init; }

    /// <summary>The group id, when the task is part of a group.</summary>
    public string? Group { get; init; }

    /// <summary>The producer's node name.</summary>
    public string? Origin { get; init; }

    /// <summary>The display form of the positional arguments.</summary>
    public string? ArgsRepr { get; init; }

    /// <summary>The display form of the keyword arguments.</summary>
    public string? KwargsRepr { get; init; }

    /// <summary>Whether the producer asked for no result.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>
    /// The hard and soft time limits in seconds, when set. A limit sent as zero, negative or not finite reads
    /// as none, and one above <see cref="TaskMessageCodec.MaxTimeLimit"/> (about 49.7 days) reads as that maximum.
    /// </summary>
    public (double? Hard, double? Soft) TimeLimit { get; init; }

    /// <summary>The queue results go to, or null.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>The correlation id results carry (the task id).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Every header as received, for tasks and tools that read custom headers.</summary>
    public IDictionary<string, object?> Headers
    {
        // Created on first read when not given: the decoder always gives it, and an initializer would
        // allocate a dictionary per message only to drop it.
        get => _headers ??= new Dictionary<string, object?>();
        init => _headers = value;
    }
}
