using System;

namespace TaskGen.Protocol;

/// <summary>A decoded result message: <c>{"task_id", "status", "result", "traceback", "children"}</c>.</summary>
internal sealed class ResultMessage
{
    /// <summary>The task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The task's state.</summary>
    public required TaskState State { get; init; }

    /// <summary>The raw JSON of the <c>result</c> member: the return value, or the exception description on failure.</summary>
    public ReadOnlyMemory<byte> Result { get; init; }

    /// <summary>The traceback on failure.</summary>
    public string? Traceback { get; init; }

    /// <summary>The node name of the worker that sent the result, from TaskGen's <c>hostname</c> header.</summary>
    public string? Hostname { get; init; }
}

/// <summary>A remote exception as a failure result describes it.</summary>
/// <param name="Type">The exception type name (<c>exc_type</c>).</param>
/// <param name="Message">The exception message (<c>exc_message</c>, joined when it has several parts).</param>
/// <param name="Module">The exception's module or namespace (<c>exc_module</c>).</param>
internal sealed record RemoteException(string Type, string Message, string? Module);
