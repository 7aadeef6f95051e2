using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TaskGen.Serialization;

/// <summary>
/// The value readers and writers that generated task codecs call. Each reader accepts what Python
/// Celery sends for the type (kombu 5.2 plain strings and kombu 5.3 <c>__type__</c>/<c>__value__</c>
/// objects), and each writer writes what Python reads back.
///  They exist for generated code.
/// </summary>
// Longer than the house's ~400 lines on purpose: one read/write pair per wire type, called by generated code,
// reads best as one table where a missing or asymmetric pair stands out; the shared helpers are in TaskJson.Helpers.cs.
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class TaskJson
{
    /// <summary>Reads a boolean.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static bool ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Unexpected(ref reader, "true or false"),
    };

    /// <summary>Writes a boolean.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteBoolean(Utf8JsonWriter writer, bool value) => writer.WriteBooleanValue(value);

    /// <summary>Reads a byte.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static byte ReadByte(ref Utf8JsonReader reader) => checked((byte)ReadIntegral(ref reader, byte.MinValue, byte.MaxValue, "Byte"));

    /// <summary>Writes a byte.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteByte(Utf8JsonWriter writer, byte value) => writer.WriteNumberValue(value);

    /// <summary>Reads a signed byte.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static sbyte ReadSByte(ref Utf8JsonReader reader) => checked((sbyte)ReadIntegral(ref reader, sbyte.MinValue, sbyte.MaxValue, "SByte"));

    /// <summary>Writes a signed byte.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteSByte(Utf8JsonWriter writer, sbyte value) => writer.WriteNumberValue(value);

    /// <summary>Reads a 16-bit integer.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static short ReadInt16(ref Utf8JsonReader reader) => checked((short)ReadIntegral(ref reader, short.MinValue, short.MaxValue, "Int16"));

    /// <summary>Writes a 16-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteInt16(Utf8JsonWriter writer, short value) => writer.WriteNumberValue(value);

    /// <summary>Reads an unsigned 16-bit integer.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static ushort ReadUInt16(ref Utf8JsonReader reader) => checked((ushort)ReadIntegral(ref reader, ushort.MinValue, ushort.MaxValue, "UInt16"));

    /// <summary>Writes an unsigned 16-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteUInt16(Utf8JsonWriter writer, ushort value) => writer.WriteNumberValue(value);

    /// <summary>Reads a 32-bit integer.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static int ReadInt32(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value))
        {
            return value;
        }

        return checked((int)ReadIntegral(ref reader, int.MinValue, int.MaxValue, "Int32"));
    }

    /// <summary>Writes a 32-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteInt32(Utf8JsonWriter writer, int value) => writer.WriteNumberValue(value);

    /// <summary>Reads an unsigned 32-bit integer.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static uint ReadUInt32(ref Utf8JsonReader reader) => checked((uint)ReadIntegral(ref reader, uint.MinValue, uint.MaxValue, "UInt32"));

    /// <summary>Writes an unsigned 32-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteUInt32(Utf8JsonWriter writer, uint value) => writer.WriteNumberValue(value);

    /// <summary>Reads a 64-bit integer; a wider integer (Python has no limit) is an error that says so.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static long ReadInt64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
        {
            return value;
        }

        return ReadIntegral(ref reader, long.MinValue, long.MaxValue, "Int64");
    }

    /// <summary>Writes a 64-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteInt64(Utf8JsonWriter writer, long value) => writer.WriteNumberValue(value);

    /// <summary>Reads an unsigned 64-bit integer.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static ulong ReadUInt64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong value))
        {
            return value;
        }

        throw reader.TokenType == JsonTokenType.Number
            ? new JsonException($"The number {RawText(ref reader)} does not fit in UInt64.")
            : Unexpected(ref reader, "an integer");
    }

    /// <summary>Writes an unsigned 64-bit integer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteUInt64(Utf8JsonWriter writer, ulong value) => writer.WriteNumberValue(value);

    /// <summary>Reads a single-precision number, accepting <c>NaN</c> and <c>Infinity</c> as Python writes them.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static float ReadSingle(ref Utf8JsonReader reader) => (float)ReadDouble(ref reader);

    /// <summary>Writes a single-precision number (non-finite values as Python's bare <c>NaN</c>/<c>Infinity</c>).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteSingle(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteNonFinite(writer, value);
        }
    }

    /// <summary>Reads a double, accepting <c>NaN</c> and <c>Infinity</c> as Python writes them.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static double ReadDouble(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.GetDouble();
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            // Non-standard literals reach here as strings once the body has been normalized.
            string? text = reader.GetString();
            switch (text)
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }

        throw Unexpected(ref reader, "a number");
    }

    /// <summary>Writes a double (non-finite values as Python's bare <c>NaN</c>/<c>Infinity</c>).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteNonFinite(writer, value);
        }
    }

    /// <summary>Reads a decimal from a number, a string (kombu 5.2) or a tagged <c>decimal</c> (kombu 5.3).</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static decimal ReadDecimal(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.GetDecimal();
            case JsonTokenType.String:
                return ParseDecimal(reader.GetString());
            case JsonTokenType.StartObject:
                return ParseDecimal(ReadTagged(ref reader, "decimal"));
            default:
                throw Unexpected(ref reader, "a decimal number or string");
        }
    }

    /// <summary>Writes a decimal as a string, as kombu does, so that no precision is lost in Python.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDecimal(Utf8JsonWriter writer, decimal value) =>
        writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Reads a string; JSON null reads as null.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static string ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Null => null!,
        _ => throw Unexpected(ref reader, "a string"),
    };

    /// <summary>Writes a string, or null.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteString(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    /// <summary>Reads a character from a one-character string.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static char ReadChar(ref Utf8JsonReader reader)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is { Length: 1 } ? text[0] : throw Unexpected(ref reader, "a one-character string");
    }

    /// <summary>Writes a character as a one-character string.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteChar(Utf8JsonWriter writer, char value)
    {
        Span<char> one = [value];
        writer.WriteStringValue(one);
    }

    /// <summary>Reads a UUID from a string or a tagged <c>uuid</c> (kombu 5.3).</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static Guid ReadGuid(ref Utf8JsonReader reader)
    {
        string? text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.StartObject => ReadTagged(ref reader, "uuid"),
            _ => throw Unexpected(ref reader, "a UUID string"),
        };
        return Guid.TryParse(text, out Guid value) ? value : throw new JsonException($"'{text}' is not a UUID.");
    }

    /// <summary>Writes a UUID as a lower-case string with dashes, as Python's <c>str(uuid)</c> does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteGuid(Utf8JsonWriter writer, Guid value) => writer.WriteStringValue(value);

    /// <summary>Reads a date and time from an ISO-8601 string or a tagged <c>datetime</c>; a value with an offset reads as UTC.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static DateTime ReadDateTime(ref Utf8JsonReader reader)
    {
        string text = ReadDateText(ref reader, "datetime");
        if (!IsoDates.TryParse(text, out DateTimeOffset value))
        {
            throw new JsonException($"'{text}' is not an ISO-8601 date and time.");
        }

        return value.UtcDateTime;
    }

    /// <summary>Writes a date and time with six fractional digits.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTime(Utf8JsonWriter writer, DateTime value) => writer.WriteStringValue(IsoDates.Format(value));

    /// <summary>Reads a date and time with offset from an ISO-8601 string or a tagged <c>datetime</c>.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static DateTimeOffset ReadDateTimeOffset(ref Utf8JsonReader reader)
    {
        string text = ReadDateText(ref reader, "datetime");
        return IsoDates.TryParse(text, out DateTimeOffset value) ? value : throw new JsonException($"'{text}' is not an ISO-8601 date and time.");
    }

    /// <summary>Writes a date and time with offset, in UTC with six fractional digits.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTimeOffset(Utf8JsonWriter writer, DateTimeOffset value) => writer.WriteStringValue(IsoDates.Format(value));

    /// <summary>Reads a date from <c>yyyy-MM-dd</c> or a tagged <c>date</c>.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static DateOnly ReadDateOnly(ref Utf8JsonReader reader)
    {
        string text = ReadDateText(ref reader, "date");
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly value)
            ? value
            : throw new JsonException($"'{text}' is not an ISO-8601 date (yyyy-MM-dd).");
    }

    /// <summary>Writes a date as <c>yyyy-MM-dd</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateOnly(Utf8JsonWriter writer, DateOnly value) => writer.WriteStringValue(IsoDates.Format(value));

    /// <summary>Reads a time of day from <c>HH:mm[:ss[.ffffff]]</c> or a tagged <c>time</c>.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static TimeOnly ReadTimeOnly(ref Utf8JsonReader reader)
    {
        string text = ReadDateText(ref reader, "time");
        return TimeOnly.TryParseExact(text, ["HH:mm:ss.FFFFFFF", "HH:mm:ss", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly value)
            ? value
            : throw new JsonException($"'{text}' is not an ISO-8601 time of day.");
    }

    /// <summary>Writes a time of day as <c>HH:mm:ss.ffffff</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeOnly(Utf8JsonWriter writer, TimeOnly value) => writer.WriteStringValue(IsoDates.Format(value));

    /// <summary>Reads a duration from a number of seconds (Python's <c>timedelta.total_seconds()</c>) or a <c>c</c>-format string.</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static TimeSpan ReadTimeSpan(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return TimeSpan.FromTicks(checked((long)Math.Round(reader.GetDouble() * TimeSpan.TicksPerSecond)));
        }

        if (reader.TokenType == JsonTokenType.String && TimeSpan.TryParse(reader.GetString(), CultureInfo.InvariantCulture, out TimeSpan value))
        {
            return value;
        }

        throw Unexpected(ref reader, "a number of seconds");
    }

    /// <summary>Writes a duration as a number of seconds, which Python reads as <c>timedelta(seconds=x)</c>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeSpan(Utf8JsonWriter writer, TimeSpan value) =>
        writer.WriteNumberValue((decimal)value.Ticks / TimeSpan.TicksPerSecond);

    /// <summary>Reads bytes from a base64 string, or a tagged <c>bytes</c> (UTF-8 text) or <c>base64</c> (kombu 5.3).</summary>
    /// <param name="reader">The reader, on the value.</param>
    public static byte[] ReadBytes(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null!;
            case JsonTokenType.String:
                return reader.GetBytesFromBase64();
            case JsonTokenType.StartObject:
                string type = ReadTagged(ref reader, null, out string value);
                return type switch
                {
                    "bytes" => System.Text.Encoding.UTF8.GetBytes(value),
                    "base64" => Convert.FromBase64String(value),
                    _ => throw new JsonException($"Expected a tagged 'bytes' or 'base64' value, got '{type}'."),
                };
            default:
                throw Unexpected(ref reader, "a base64 string");
        }
    }

    /// <summary>Writes bytes as a base64 string.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteBytes(Utf8JsonWriter writer, byte[]? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteBase64StringValue(value);
        }
    }

    /// <summary>Reads an enum from its underlying number or, ignoring case, its member name.</summary>
    /// <typeparam name="TEnum">The enum type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    public static TEnum ReadEnum<TEnum>(ref Utf8JsonReader reader)
        where TEnum : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            string? name = reader.GetString();
            return Enum.TryParse(name, ignoreCase: true, out TEnum named) && !char.IsAsciiDigit(name![0]) && name[0] != '-'
                ? named
                : throw new JsonException($"'{name}' is not a member of {typeof(TEnum).Name}.");
        }

        if (typeof(TEnum).GetEnumUnderlyingType() == typeof(ulong))
        {
            // WriteEnum writes such members unsigned; above long.MaxValue they do not fit ReadInt64.
            ulong unsigned = ReadUInt64(ref reader);
            return Unsafe.As<ulong, TEnum>(ref unsigned);
        }

        long number = ReadInt64(ref reader);
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1: { byte v = unchecked((byte)number); return Unsafe.As<byte, TEnum>(ref v); }
            case 2: { short v = unchecked((short)number); return Unsafe.As<short, TEnum>(ref v); }
            case 4: { int v = unchecked((int)number); return Unsafe.As<int, TEnum>(ref v); }
            default: return Unsafe.As<long, TEnum>(ref number);
        }
    }

    /// <summary>Writes an enum as its underlying number, as System.Text.Json does by default.</summary>
    /// <typeparam name="TEnum">The enum type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteEnum<TEnum>(Utf8JsonWriter writer, TEnum value)
        where TEnum : struct, Enum
    {
        bool unsigned = typeof(TEnum).GetEnumUnderlyingType() is var u && (u == typeof(byte) || u == typeof(ushort) || u == typeof(uint) || u == typeof(ulong));
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1:
                byte b = Unsafe.As<TEnum, byte>(ref value);
                writer.WriteNumberValue(unsigned ? b : (sbyte)b);
                break;
            case 2:
                ushort s = Unsafe.As<TEnum, ushort>(ref value);
                writer.WriteNumberValue(unsigned ? s : (short)s);
                break;
            case 4:
                uint i = Unsafe.As<TEnum, uint>(ref value);
                writer.WriteNumberValue(unsigned ? i : (int)i);
                break;
            default:
                ulong l = Unsafe.As<TEnum, ulong>(ref value);
                if (unsigned)
                {
                    writer.WriteNumberValue(l);
                }
                else
                {
                    writer.WriteNumberValue((long)l);
                }

                break;
        }
    }

    /// <summary>Reads a nullable value: JSON null, or a value read by <paramref name="read"/>.</summary>
    /// <typeparam name="T">The underlying value type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    /// <param name="read">Reads the underlying value.</param>
    public static T? ReadNullable<T>(ref Utf8JsonReader reader, JsonValueReader<T> read)
        where T : struct => reader.TokenType == JsonTokenType.Null ? null : read(ref reader);

    /// <summary>Writes a nullable value: JSON null, or the value by <paramref name="write"/>.</summary>
    /// <typeparam name="T">The underlying value type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <param name="write">Writes the underlying value.</param>
    public static void WriteNullable<T>(Utf8JsonWriter writer, T? value, JsonValueWriter<T> write)
        where T : struct
    {
        if (value is { } present)
        {
            write(writer, present);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>Reads a JSON array into a list; JSON null reads as null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    /// <param name="read">Reads one element.</param>
    public static List<T> ReadList<T>(ref Utf8JsonReader reader, JsonValueReader<T> read)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null!;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Unexpected(ref reader, "an array");
        }

        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(read(ref reader));
        }

        return list;
    }

    /// <summary>Reads a JSON array into an array; JSON null reads as null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    /// <param name="read">Reads one element.</param>
    public static T[] ReadArray<T>(ref Utf8JsonReader reader, JsonValueReader<T> read)
    {
        List<T> list = ReadList(ref reader, read);
        return list?.ToArray()!;
    }

    /// <summary>Reads a JSON object into a string-keyed dictionary; JSON null reads as null.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    /// <param name="read">Reads one value.</param>
    public static Dictionary<string, T> ReadDictionary<T>(ref Utf8JsonReader reader, JsonValueReader<T> read)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null!;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Unexpected(ref reader, "an object");
        }

        var dictionary = new Dictionary<string, T>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            dictionary[key] = read(ref reader);
        }

        return dictionary;
    }

    /// <summary>Writes an array as a JSON array, or null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="values">The values.</param>
    /// <param name="write">Writes one element.</param>
    public static void WriteArray<T>(Utf8JsonWriter writer, T[]? values, JsonValueWriter<T> write)
    {
        if (values is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            WriteSpan(writer, values, write);
        }
    }

    /// <summary>Writes a list as a JSON array, or null, without boxing its enumerator.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="values">The values.</param>
    /// <param name="write">Writes one element.</param>
    public static void WriteList<T>(Utf8JsonWriter writer, List<T>? values, JsonValueWriter<T> write)
    {
        if (values is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            WriteSpan(writer, CollectionsMarshal.AsSpan(values), write);
        }
    }

    private static void WriteSpan<T>(Utf8JsonWriter writer, ReadOnlySpan<T> values, JsonValueWriter<T> write)
    {
        writer.WriteStartArray();
        foreach (T value in values)
        {
            write(writer, value);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes any sequence as a JSON array, or null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="values">The values.</param>
    /// <param name="write">Writes one element.</param>
    public static void WriteSequence<T>(Utf8JsonWriter writer, IEnumerable<T>? values, JsonValueWriter<T> write)
    {
        if (values is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        foreach (T value in values)
        {
            write(writer, value);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes string-keyed pairs as a JSON object, or null.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="values">The pairs.</param>
    /// <param name="write">Writes one value.</param>
    public static void WriteDictionary<T>(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, T>>? values, JsonValueWriter<T> write)
    {
        if (values is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        foreach (KeyValuePair<string, T> pair in values)
        {
            writer.WritePropertyName(pair.Key);
            write(writer, pair.Value);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a record or class through its source-generated contract.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="reader">The reader, on the value.</param>
    /// <param name="typeInfo">The contract from the app's <c>JsonSerializerContext</c>.</param>
    public static T ReadObject<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Deserialize(ref reader, typeInfo)!;

    /// <summary>Writes a record or class through its source-generated contract.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The contract from the app's <c>JsonSerializerContext</c>.</param>
    public static void WriteObject<T>(Utf8JsonWriter writer, T value, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Serialize(writer, value, typeInfo);

    /// <summary>
    /// Finds the contract for <typeparamref name="T"/> in a source-generated context, or throws an error
    /// that names the type and the context to add it to.
    /// </summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="context">The context.</param>
    public static JsonTypeInfo<T> GetTypeInfo<T>(JsonSerializerContext context) =>
        context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new InvalidOperationException(
            $"{context.GetType().Name} has no contract for {typeof(T).FullName}: add [JsonSerializable(typeof({typeof(T).Name}))] to it.");
}
