using System;
using System.Collections.Generic;
using System.Threading;

namespace TaskGen.Protocol;

/// <summary>A task message decoded on the worker side: its headers, properties and the parts of its body.</summary>
/// <remarks>
/// A request from <see cref="TaskMessageCodec.Decode"/> keeps the header values it was given and makes a string
/// of one only when it is first read: AMQP long strings arrive as UTF-8 bytes, and most of them (<c>lang</c>,
/// <c>origin</c>, the reprs) are read only by events and <c>inspect</c>, if at all. What reads the same as a
/// string, once decoded, as it did before; a request built by hand returns exactly what it was given.
/// </remarks>
public sealed class TaskRequest
{
    private IDictionary<string, object?>? _headers;

    // The header value as received until first read, then its text.
    private object? _rootId;
    private object? _parentId;

    // Null for most messages, which have no ETA, no expiry, no time limit and no display strings read yet.
    private Seldom? _seldom;

    // Set by the decoder: lang, group, origin and the reprs are read from the headers on first use.
    private bool _stringsFromHeaders;

    /// <summary>Creates an empty request; the decoder fills it in, and tests build one by hand.</summary>
    internal TaskRequest()
    {
    }

    /// <summary>The task id.</summary>
    public string Id { get; internal init; } = string.Empty;

    /// <summary>The task name.</summary>
    public string Name { get; internal init; } = string.Empty;

    /// <summary>The positional arguments, as the raw bytes of a JSON array.</summary>
    public ReadOnlyMemory<byte> Args { get; internal init; }

    /// <summary>The keyword arguments, as the raw bytes of a JSON object.</summary>
    public ReadOnlyMemory<byte> Kwargs { get; internal init; }

    /// <summary>The embedded workflow (<c>callbacks</c>, <c>errbacks</c>, <c>chain</c>, <c>chord</c>) as raw JSON, or empty when null.</summary>
    public ReadOnlyMemory<byte> Embed { get; internal init; }

    /// <summary>The language of the producer (<c>py</c>, <c>dotnet</c>).</summary>
    public string? Lang
    {
        get => Strings()?.Lang;
        internal init => Writable().Lang = value;
    }

    /// <summary>The earliest moment to run the task.</summary>
    public DateTimeOffset? Eta
    {
        get => _seldom?.Eta;
        internal init => Writable().Eta = value;
    }

    /// <summary>The moment after which the task must not run.</summary>
    public DateTimeOffset? Expires
    {
        get => _seldom?.Expires;
        internal init => Writable().Expires = value;
    }

    /// <summary>How many times the task has been retried.</summary>
    public int Retries { get; internal init; }

    /// <summary>
    /// Whether the worker took the task from a broadcast queue, where every worker runs it: its reply is kept per
    /// worker and it is never retried. Set by the worker, not read from the message.
    /// </summary>
    internal bool FromBroadcast { get; set; }

    /// <summary>The id of the first task of the workflow.</summary>
    public string? RootId
    {
        get => Text(ref _rootId);
        internal init => _rootId = value;
    }

    /// <summary>The id of the task that sent this one.</summary>
    public string? ParentId
    {
        get => Text(ref _parentId);
        internal init => _parentId = value;
    }

    /// <summary>The group id, when the task is part of a group.</summary>
    public string? Group
    {
        get => Strings()?.Group;
        internal init => Writable().Group = value;
    }

    /// <summary>The task's place in its group (<c>group_index</c>), which orders a chord's results; null outside a group.</summary>
    public int? GroupIndex
    {
        get => Strings()?.GroupIndex;
        internal init => Writable().GroupIndex = value;
    }

    /// <summary>
    /// The chord size a TaskGen producer sent with a chord's header message (<see cref="ChordSizeHeader"/>), used only
    /// when the chord's size key is missing; null when the message carries none, as Celery's never do.
    /// </summary>
    internal int? CarriedChordSize => Headers.TryGetValue(ChordSizeHeader, out object? size) && GroupIndexOf(size) is { } value and > 0 ? value : null;

    /// <summary>The producer's node name.</summary>
    public string? Origin
    {
        get => Strings()?.Origin;
        internal init => Writable().Origin = value;
    }

    /// <summary>The display form of the positional arguments.</summary>
    public string? ArgsRepr
    {
        get => Strings()?.ArgsRepr;
        internal init => Writable().ArgsRepr = value;
    }

    /// <summary>The display form of the keyword arguments.</summary>
    public string? KwargsRepr
    {
        get => Strings()?.KwargsRepr;
        internal init => Writable().KwargsRepr = value;
    }

    /// <summary>Whether the producer asked for no result.</summary>
    public bool IgnoreResult { get; internal init; }

    /// <summary>
    /// The hard and soft time limits in seconds, when set. A limit sent as zero, negative or not finite reads
    /// as none, and one above <see cref="TaskMessageCodec.MaxTimeLimit"/> (about 49.7 days) reads as that maximum.
    /// </summary>
    public (double? Hard, double? Soft) TimeLimit
    {
        get => _seldom?.TimeLimit ?? default;
        internal init => Writable().TimeLimit = value;
    }

    /// <summary>The queue results go to, or null.</summary>
    public string? ReplyTo { get; internal init; }

    /// <summary>The correlation id results carry (the task id).</summary>
    public string? CorrelationId { get; internal init; }

    /// <summary>Every header as received, for tasks and tools that read custom headers.</summary>
    public IDictionary<string, object?> Headers
    {
        // Created on first read when not given: the decoder always gives it, and an initializer would
        // allocate a dictionary per message only to drop it.
        get => _headers ??= new Dictionary<string, object?>();
        internal init => _headers = value;
    }

    /// <summary>Set by the decoder: the root id as received (an AMQP long string stays bytes until read).</summary>
    internal object? RootIdValue
    {
        init => _rootId = value;
    }

    /// <summary>Set by the decoder: the parent id as received.</summary>
    internal object? ParentIdValue
    {
        init => _parentId = value;
    }

    /// <summary>
    /// Set by the decoder, which reads <c>eta</c>, <c>expires</c> and <c>timelimit</c> at once (a bad date rejects
    /// the message) but leaves the display strings in <see cref="Headers"/> until something reads them.
    /// </summary>
    internal void SetDecoded(DateTimeOffset? eta, DateTimeOffset? expires, (double? Hard, double? Soft) timeLimit)
    {
        _stringsFromHeaders = true;
        if (eta is not null || expires is not null || timeLimit != default)
        {
            _seldom = new Seldom { Eta = eta, Expires = expires, TimeLimit = timeLimit };
        }
    }

    private static string? Text(ref object? field)
    {
        object? value = field;
        if (value is null or string)
        {
            return (string?)value;
        }

        // Two threads reading at once may each decode it; both store equal text, so no lock is needed.
        string? text = TaskMessageCodec.HeaderText(value);
        field = text;
        return text;
    }

    /// <summary>
    /// The header that carries a chord's size with each header message TaskGen sends. Celery 5.2 and 5.6 workers copy
    /// every header into the task's request context and read only the names they know, so an unknown one is ignored
    /// without error; the <c>taskgen_</c> prefix keeps it apart from Celery's names, including the body's <c>chord_size</c>
    /// option, which other result backends read.
    /// </summary>
    internal const string ChordSizeHeader = "taskgen_chord_size";

    // AMQP gives integers as their CLR type of the width they were sent in; anything else reads as no index.
    private static int? GroupIndexOf(object? value) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        short s => s,
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        uint ui when ui <= int.MaxValue => (int)ui,
        _ => null,
    };

    private Seldom Writable() => _seldom ??= new Seldom();

    private Seldom? Strings()
    {
        Seldom? seldom = _seldom;
        if (!_stringsFromHeaders || (seldom is not null && Volatile.Read(ref seldom.StringsRead)))
        {
            return seldom;
        }

        if (seldom is null)
        {
            var created = new Seldom();
            seldom = Interlocked.CompareExchange(ref _seldom, created, null) ?? created;
        }

        IDictionary<string, object?> headers = Headers;
        seldom.Lang = TaskMessageCodec.HeaderString(headers, "lang");
        seldom.Group = TaskMessageCodec.HeaderString(headers, "group");
        seldom.GroupIndex = headers.TryGetValue("group_index", out object? index) ? GroupIndexOf(index) : null;
        seldom.Origin = TaskMessageCodec.HeaderString(headers, "origin");
        seldom.ArgsRepr = TaskMessageCodec.HeaderString(headers, "argsrepr");
        seldom.KwargsRepr = TaskMessageCodec.HeaderString(headers, "kwargsrepr");
        Volatile.Write(ref seldom.StringsRead, true);
        return seldom;
    }

    /// <summary>What most messages do not carry or nobody reads, kept apart so that a request without them is smaller.</summary>
    private sealed class Seldom
    {
        public string? Lang;
        public string? Group;
        public int? GroupIndex;
        public string? Origin;
        public string? ArgsRepr;
        public string? KwargsRepr;
        public DateTimeOffset? Eta;
        public DateTimeOffset? Expires;
        public (double? Hard, double? Soft) TimeLimit;

        // True once the display strings have been read from the headers (decoded requests only).
        public bool StringsRead;
    }
}
