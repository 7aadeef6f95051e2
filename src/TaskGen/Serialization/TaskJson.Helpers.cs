using System;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TaskGen.Serialization;

public static partial class TaskJson
{
    private static long ReadIntegral(ref Utf8JsonReader reader, long min, long max, string typeName)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw Unexpected(ref reader, "an integer");
        }

        if (reader.TryGetInt64(out long whole))
        {
            return whole >= min && whole <= max
                ? whole
                : throw new JsonException($"The number {whole} does not fit in {typeName}.");
        }

        // Python writes 2.0 for a float that holds an integer; accept it, refuse real fractions and
        // integers wider than 64 bits with a message that says which.
        if (reader.TryGetDouble(out double real) && Math.Floor(real) == real && real >= min && real <= max && IsFractionLiteral(ref reader))
        {
            return (long)real;
        }

        string raw = RawText(ref reader);
        throw IsFractionLiteral(ref reader)
            ? new JsonException($"The number {raw} is not an integer.")
            : new JsonException($"The integer {raw} does not fit in {typeName}.");
    }

    private static bool IsFractionLiteral(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0;
    }

    private static string RawText(ref Utf8JsonReader reader) =>
        Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);

    private static void WriteNonFinite(Utf8JsonWriter writer, double value)
    {
        // Python's json module writes and reads these bare literals; a string would come back a str.
        string literal = double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        writer.WriteRawValue(literal, skipInputValidation: true);
    }

    private static decimal ParseDecimal(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value)
            ? value
            : throw new JsonException($"'{text}' is not a decimal number.");

    private static string ReadDateText(ref Utf8JsonReader reader, string tag) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.StartObject => ReadTagged(ref reader, tag),
        _ => throw Unexpected(ref reader, "an ISO-8601 string"),
    };

    /// <summary>Reads kombu 5.3's <c>{"__type__": tag, "__value__": v}</c> and returns v as text.</summary>
    private static string ReadTagged(ref Utf8JsonReader reader, string expectedTag)
    {
        string type = ReadTagged(ref reader, expectedTag, out string value);
        return type == expectedTag ? value : throw new JsonException($"Expected a tagged '{expectedTag}' value, got '{type}'.");
    }

    private static string ReadTagged(ref Utf8JsonReader reader, string? expectedTag, out string value)
    {
        string? type = null;
        string? text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("__type__"u8))
            {
                reader.Read();
                type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("__value__"u8))
            {
                reader.Read();
                text = ReadTaggedValue(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type is null || text is null)
        {
            throw new JsonException(expectedTag is null
                ? "Expected a kombu tagged value ({\"__type__\": ..., \"__value__\": ...})."
                : $"Expected a string or a kombu tagged '{expectedTag}' value ({{\"__type__\": ..., \"__value__\": ...}}).");
        }

        value = text;
        return type;
    }

    private static string? ReadTaggedValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return RawText(ref reader);
            case JsonTokenType.StartObject:
                // kombu 5.3 writes a UUID as {"hex": "..."}.
                string? hex = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isHex = reader.ValueTextEquals("hex"u8);
                    reader.Read();
                    if (isHex && reader.TokenType == JsonTokenType.String)
                    {
                        hex = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return hex;
            default:
                reader.Skip();
                return null;
        }
    }

    private static JsonException Unexpected(ref Utf8JsonReader reader, string expected) =>
        new($"Expected {expected}, got {Describe(reader.TokenType)}.");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
