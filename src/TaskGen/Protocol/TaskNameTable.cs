using System;
using System.Text;
using System.Threading;

namespace TaskGen.Protocol;

/// <summary>
/// The text of the task names a worker has recently decoded, keyed by their UTF-8 bytes: a worker sees the
/// same few names over and over, so a name read from an AMQP long string is a string made once, not per message.
/// </summary>
/// <remarks>
/// A fixed table of slots, each holding the last name whose bytes hashed there, so it never grows whatever a
/// producer sends; a miss only costs what decoding always cost. The hash is seeded per process, so names chosen
/// to collide cannot be prepared in advance.
/// </remarks>
internal static class TaskNameTable
{
    private const int SlotCount = 256;

    // Longer names are decoded each time rather than kept.
    private const int MaxNameBytes = 256;

    private static readonly Entry?[] s_slots = new Entry?[SlotCount];

    /// <summary>Returns the text of a <c>task</c> header value, from the table when its bytes were seen before.</summary>
    /// <param name="value">The header value as delivered.</param>
    public static string? Text(object? value)
    {
        if (value is not byte[] bytes || bytes.Length > MaxNameBytes)
        {
            return TaskMessageCodec.HeaderText(value);
        }

        var hash = default(HashCode);
        hash.AddBytes(bytes);
        ref Entry? slot = ref s_slots[hash.ToHashCode() & (SlotCount - 1)];
        Entry? entry = Volatile.Read(ref slot);
        if (entry is not null && bytes.AsSpan().SequenceEqual(entry.Utf8))
        {
            return entry.Text;
        }

        string text = Encoding.UTF8.GetString(bytes);

        // A copy: the delivered array belongs to the message.
        Volatile.Write(ref slot, new Entry(bytes.AsSpan().ToArray(), text));
        return text;
    }

    private sealed class Entry(byte[] utf8, string text)
    {
        public byte[] Utf8 { get; } = utf8;

        public string Text { get; } = text;
    }
}
