using System;

namespace TaskGen.Protocol;

/// <summary>
/// A state's result on its way to the backend: the value's JSON, and for a success the whole result message the task's
/// writer already wrote around it, so the value is written once, in place, and never copied into a second message.
/// </summary>
internal readonly struct ResultBody
{
    /// <summary>A result given only as its value (or encoded exception); the message is written when it is stored.</summary>
    public ResultBody(ReadOnlyMemory<byte> value) => Value = value;

    /// <summary>A success whose message <paramref name="message"/> already holds <paramref name="value"/>.</summary>
    public ResultBody(ReadOnlyMemory<byte> value, byte[]? message)
    {
        Value = value;
        Message = message;
    }

    /// <summary>The result value's JSON, or the encoded exception of a failure; empty writes null.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The success message written around <see cref="Value"/> (<see cref="ResultCodec.EncodeSuccess{T}"/>), or null.</summary>
    public byte[]? Message { get; }

    /// <summary>A value without a message, as every state but a success is given.</summary>
    public static implicit operator ResultBody(ReadOnlyMemory<byte> value) => new(value);

    /// <summary>A value without a message, as encoded exceptions are given.</summary>
    public static implicit operator ResultBody(byte[] value) => new(value);

    /// <summary>
    /// The message to store: the one already written when it says what is asked (a success without a traceback),
    /// else one encoded now around the value.
    /// </summary>
    public byte[] Encode(string taskId, TaskState state, string? traceback) =>
        Message is not null && state == TaskState.Success && traceback is null
            ? Message
            : ResultCodec.Encode(taskId, state, Value.Span, traceback);
}
