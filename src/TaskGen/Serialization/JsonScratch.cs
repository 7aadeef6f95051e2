using System;
using System.Buffers;
using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// A thread's reusable <see cref="Utf8JsonWriter"/> and buffer, for JSON that is copied out as soon as
/// it is written (task bodies, result values, result messages). Encoding one message then allocates
/// only the bytes it produces: a new writer and buffer per message cost more than the message itself,
/// since the writer asks its buffer for at least 256 bytes on the first write.
/// </summary>
/// <remarks>
/// Rent one with <see cref="Rent"/> inside a <c>using</c>, and never across an <c>await</c>. A nested
/// rent on the same thread gets a fresh instance, so a writer callback that encodes JSON of its own is safe.
/// </remarks>
internal sealed class JsonScratch : IDisposable
{
    // Utf8JsonWriter's first request is 256 bytes; a task message or result fits in the rest.
    private const int InitialCapacity = 1024;

    // A buffer that grew past this for one large message is let go, not kept for the thread's lifetime.
    private const int MaxRetainedCapacity = 64 * 1024;

    [ThreadStatic]
    private static JsonScratch? t_cached;

    private readonly ArrayBufferWriter<byte> _buffer = new(InitialCapacity);

    private JsonScratch() => Writer = new Utf8JsonWriter(_buffer);

    /// <summary>The writer; its output is this scratch's buffer.</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>The bytes written so far, after flushing the writer.</summary>
    public ReadOnlySpan<byte> WrittenSpan
    {
        get
        {
            Writer.Flush();
            return _buffer.WrittenSpan;
        }
    }

    /// <summary>The number of bytes written so far, after flushing the writer.</summary>
    public int WrittenCount
    {
        get
        {
            Writer.Flush();
            return _buffer.WrittenCount;
        }
    }

    /// <summary>Takes this thread's scratch, or a new one when it is in use or was let go.</summary>
    public static JsonScratch Rent()
    {
        JsonScratch? scratch = t_cached;
        if (scratch is null)
        {
            return new JsonScratch();
        }

        t_cached = null;
        return scratch;
    }

    /// <summary>Copies what was written into an array of its exact length.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Clears the writer and the buffer and gives the scratch back to the thread.</summary>
    public void Dispose()
    {
        // Reset also discards a half-written value after an exception, so the next renter starts clean.
        Writer.Reset();
        _buffer.ResetWrittenCount();
        if (_buffer.Capacity <= MaxRetainedCapacity)
        {
            t_cached = this;
        }
    }
}
