using System;
using System.Buffers;
using System.Text.Json;

namespace TaskGen.Testing;

/// <summary>The JSON helpers of the harness: one compact form for comparing arguments, and typed reads of values.</summary>
internal static class HarnessJson
{
    /// <summary>Property names as the web writes them and case-insensitive reads, so a record argument reads back as it was sent.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Rewrites JSON without whitespace, so that two encodings of the same values compare equal as text.</summary>
    /// <param name="json">The JSON text.</param>
    public static string Compact(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return string.Empty;
        }

        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        return Compact(document.RootElement);
    }

    /// <summary>Writes <paramref name="element"/> without whitespace.</summary>
    /// <param name="element">The JSON value.</param>
    public static string Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Runs <paramref name="write"/> on a fresh writer and returns what it wrote, compacted.</summary>
    /// <param name="write">Writes one JSON value.</param>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Compact(buffer.WrittenSpan);
    }

    /// <summary>Parses JSON into an element that outlives its document.</summary>
    /// <param name="json">The JSON text; empty for <paramref name="empty"/>.</param>
    /// <param name="empty">The JSON used when there is none.</param>
    public static JsonElement Element(string json, string empty)
    {
        using JsonDocument document = JsonDocument.Parse(string.IsNullOrEmpty(json) ? empty : json);
        return document.RootElement.Clone();
    }
}
