using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskGen.Serialization;

namespace TaskGen.Protocol;

/// <summary>Encodes and decodes the result messages of the <c>rpc://</c> backend.</summary>
internal static class ResultCodec
{
    /// <summary>Encodes a result message whose <c>result</c> member is the given raw JSON.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="state">The task state.</param>
    /// <param name="resultJson">The raw JSON of the result value (or exception description); empty writes null.</param>
    /// <param name="traceback">The traceback on failure.</param>
    public static byte[] Encode(string taskId, TaskState state, ReadOnlySpan<byte> resultJson, string? traceback = null)
    {
        using JsonScratch scratch = JsonScratch.Rent();
        Utf8JsonWriter writer = scratch.Writer;
        writer.WriteStartObject();
        writer.WritePropertyName("result"u8);
        if (resultJson.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(resultJson, skipInputValidation: true);
        }

        WriteAfterResult(writer, taskId, state, traceback);
        return scratch.ToArray();
    }

    /// <summary>Where the value starts in a message of <see cref="EncodeSuccess{T}"/>: after <c>{"result":</c>.</summary>
    internal const int SuccessValueStart = 10;

    /// <summary>
    /// Encodes a success's message with the value written by <paramref name="write"/> first, in place, so the value
    /// needs no array of its own: it is the slice from <see cref="SuccessValueStart"/> to <paramref name="valueEnd"/>.
    /// </summary>
    internal static byte[] EncodeSuccess<T>(string taskId, T value, JsonValueWriter<T> write, out int valueEnd)
    {
        using JsonScratch scratch = JsonScratch.Rent();
        Utf8JsonWriter writer = scratch.Writer;
        writer.WriteStartObject();
        writer.WritePropertyName("result"u8);
        write(writer, value);
        valueEnd = scratch.WrittenCount;
        WriteAfterResult(writer, taskId, TaskState.Success, null);
        return scratch.ToArray();
    }

    // Every result message has the result first, so a success's value can be written in place before the rest is known.
    private static void WriteAfterResult(Utf8JsonWriter writer, string taskId, TaskState state, string? traceback)
    {
        writer.WriteString("task_id"u8, taskId);
        writer.WriteString("status"u8, TaskStates.ToCelery(state));
        if (traceback is null)
        {
            writer.WriteNull("traceback"u8);
        }
        else
        {
            writer.WriteString("traceback"u8, traceback);
        }

        writer.WriteStartArray("children"u8);
        writer.WriteEndArray();
        Span<byte> dateDone = stackalloc byte[DateDoneBufferLength];
        writer.WriteString("date_done"u8, FormatDateDone(DateTime.UtcNow, dateDone));
        writer.WriteEndObject();
    }

    /// <summary>Encodes the <c>result</c> member of a failure: <c>{"exc_type", "exc_message": [message], "exc_module"}</c>.</summary>
    /// <param name="exception">The exception description.</param>
    public static byte[] EncodeException(RemoteException exception)
    {
        using JsonScratch scratch = JsonScratch.Rent();
        Utf8JsonWriter writer = scratch.Writer;
        writer.WriteStartObject();
        writer.WriteString("exc_type"u8, exception.Type);
        writer.WriteStartArray("exc_message"u8);
        writer.WriteStringValue(exception.Message);
        writer.WriteEndArray();
        writer.WriteString("exc_module"u8, exception.Module ?? "builtins");
        writer.WriteEndObject();
        return scratch.ToArray();
    }

    /// <summary>Decodes a result message; unknown members are ignored.</summary>
    /// <param name="body">The message body.</param>
    /// <param name="hostname">The <c>hostname</c> header, if any.</param>
    /// <exception cref="JsonException">The body is not a result object.</exception>
    public static ResultMessage Decode(ReadOnlyMemory<byte> body, string? hostname = null)
    {
        try
        {
            return DecodeValid(body, hostname);
        }
        catch (JsonException) when (NonStandardJson.ContainsNonFiniteLiteral(body.Span))
        {
            return DecodeValid(NonStandardJson.QuoteNonFiniteLiterals(body.Span), hostname);
        }
    }

    private static ResultMessage DecodeValid(ReadOnlyMemory<byte> body, string? hostname)
    {
        var reader = new Utf8JsonReader(body.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A result message must be a JSON object.");
        }

        string? taskId = null;
        string? status = null;
        string? traceback = null;
        ReadOnlyMemory<byte> result = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("task_id"u8))
            {
                reader.Read();
                taskId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("traceback"u8))
            {
                reader.Read();
                traceback = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                result = body[start..(int)reader.BytesConsumed];
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ResultMessage
        {
            TaskId = taskId ?? throw new JsonException("A result message must have a 'task_id'."),
            State = TaskStates.FromCelery(status),
            Result = result,
            Traceback = traceback,
            Hostname = hostname,
        };
    }

    /// <summary>Reads the exception description of a failure result; anything unexpected is described as it is.</summary>
    /// <param name="result">The raw JSON of the <c>result</c> member.</param>
    public static RemoteException DecodeException(ReadOnlyMemory<byte> result)
    {
        string type = "Exception";
        string message = string.Empty;
        string? module = null;
        var reader = new Utf8JsonReader(result.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return new RemoteException(type, Encoding.UTF8.GetString(result.Span), null);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("exc_type"u8))
            {
                reader.Read();
                type = reader.GetString() ?? type;
            }
            else if (reader.ValueTextEquals("exc_module"u8))
            {
                reader.Read();
                module = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("exc_message"u8))
            {
                reader.Read();
                message = ReadMessage(ref reader, result.Span);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new RemoteException(type, message, module);
    }

    // The round-trip format is "yyyy-MM-ddTHH:mm:ss.fffffffZ" and has a fast path; its first 26
    // characters are Python's isoformat() of a naive UTC time, which Celery sends as date_done.
    private const int DateDoneBufferLength = 33;
    private const int DateDoneLength = 26;

    private static ReadOnlySpan<byte> FormatDateDone(DateTime utcNow, Span<byte> buffer)
    {
        // A UTC round-trip date is always 28 characters, so it always fits.
        _ = utcNow.TryFormat(buffer, out _, "O", CultureInfo.InvariantCulture);
        return buffer[..DateDoneLength];
    }

    private static string ReadMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.StartArray:
                var parts = new StringBuilder();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (parts.Length > 0)
                    {
                        parts.Append(", ");
                    }

                    if (reader.TokenType == JsonTokenType.String)
                    {
                        parts.Append(reader.GetString());
                    }
                    else
                    {
                        int start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        parts.Append(Encoding.UTF8.GetString(source[start..(int)reader.BytesConsumed]));
                    }
                }

                return parts.ToString();
            default:
                int from = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(source[from..(int)reader.BytesConsumed]);
        }
    }
}
