using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen.Protocol;

/// <summary>
/// Encodes and decodes Celery task protocol v2 messages with JSON bodies: the headers, the properties
/// and the <c>[args, kwargs, embed]</c> body, exactly as Celery 5.2 writes and reads them.
/// </summary>
internal static partial class TaskMessageCodec
{
    /// <summary>The only content type TaskGen accepts or sends.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The longest <c>argsrepr</c>/<c>kwargsrepr</c> sent, as Celery truncates them.</summary>
    public const int MaxReprLength = 1024;

    /// <summary>The largest body the decoder accepts unless told otherwise (16 MiB).</summary>
    public const int DefaultMaxBodySize = 16 * 1024 * 1024;

    /// <summary>
    /// The longest time limit a task can have, about 49.7 days (2^32 - 2 ms): the most that .NET timers
    /// (<see cref="System.Threading.CancellationTokenSource.CancelAfter(TimeSpan)"/>, <see cref="System.Threading.Tasks.Task.Delay(TimeSpan)"/>) can wait.
    /// </summary>
    public static readonly TimeSpan MaxTimeLimit = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// The longest per-message TTL RabbitMQ accepts in the AMQP <c>expiration</c> property (2^32 - 1 ms, its
    /// <c>MAX_EXPIRY_TIMER</c>); a larger one makes the broker close the publishing channel.
    /// </summary>
    public const long MaxExpirationMilliseconds = uint.MaxValue;

    // The common header values, boxed once rather than per message.
    private static readonly object s_zero = 0;
    private static readonly object s_true = true;
    private static readonly object s_false = false;

    /// <summary>Encodes a task as a message ready to publish.</summary>
    /// <param name="envelope">The task.</param>
    public static TransportMessage Encode(TaskEnvelope envelope)
    {
        byte[] body;
        string argsRepr;
        string kwargsRepr;
        using (JsonScratch scratch = JsonScratch.Rent())
        {
            Utf8JsonWriter writer = scratch.Writer;
            writer.WriteStartArray();
            int argsStart = scratch.WrittenCount;
            envelope.Arguments.WriteArgs(writer);
            int argsEnd = scratch.WrittenCount;
            envelope.Arguments.WriteKwargs(writer);
            int kwargsEnd = scratch.WrittenCount;
            if (envelope.Embed.IsEmpty)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(envelope.Embed.Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            ReadOnlySpan<byte> written = scratch.WrittenSpan;
            argsRepr = Repr(written[argsStart..argsEnd]);
            kwargsRepr = Repr(written[argsEnd..kwargsEnd].TrimStart((byte)','));
            body = written.ToArray();
        }

        // Sized for the 16 protocol headers and the extra ones, not more: the table is most of what encoding allocates.
        var headers = new Dictionary<string, object?>(16 + (envelope.ExtraHeaders?.Count ?? 0), StringComparer.Ordinal)
        {
            ["lang"] = "dotnet",
            ["task"] = envelope.Name,
            ["id"] = envelope.Id,
            ["shadow"] = null,
            ["eta"] = envelope.Eta is { } eta ? IsoDates.Format(eta) : null,
            ["expires"] = envelope.Expires is { } expires ? IsoDates.Format(expires) : null,
            ["group"] = envelope.Group,
            ["group_index"] = envelope.GroupIndex,
            ["retries"] = envelope.Retries == 0 ? s_zero : envelope.Retries,
            ["timelimit"] = new List<object?> { envelope.TimeLimit.Hard?.TotalSeconds, envelope.TimeLimit.Soft?.TotalSeconds },
            ["root_id"] = envelope.RootId ?? envelope.Id,
            ["parent_id"] = envelope.ParentId,
            ["argsrepr"] = argsRepr,
            ["kwargsrepr"] = kwargsRepr,
            ["origin"] = envelope.Origin,
            ["ignore_result"] = envelope.IgnoreResult ? s_true : s_false,
        };
        if (envelope.ExtraHeaders is not null)
        {
            foreach (KeyValuePair<string, object?> pair in envelope.ExtraHeaders)
            {
                headers.TryAdd(pair.Key, pair.Value);
            }
        }

        var properties = new MessageProperties
        {
            CorrelationId = envelope.Id,
            ReplyTo = envelope.ReplyTo,
            ContentType = JsonContentType,
            ContentEncoding = "utf-8",
            DeliveryMode = 2,
            Priority = envelope.Priority,
            Expiration = envelope.Expires is { } expiresAt ? Expiration(expiresAt - DateTimeOffset.UtcNow) : null,
        };

        return new TransportMessage(envelope.Exchange, envelope.RoutingKey, properties, headers, body);
    }

    /// <summary>
    /// Decodes a task message. Everything the worker needs to reject a message is checked here, so a
    /// request that comes back can be dispatched.
    /// </summary>
    /// <param name="message">The message as delivered.</param>
    /// <param name="maxBodySize">The largest body accepted, in bytes.</param>
    /// <exception cref="MalformedMessageException">The message is not a JSON protocol v2 task.</exception>
    public static TaskRequest Decode(TransportMessage message, int maxBodySize = DefaultMaxBodySize)
    {
        IDictionary<string, object?> headers = message.Headers;
        headers.TryGetValue("id", out object? idValue);
        string? id = HeaderText(idValue) ?? message.Properties.CorrelationId;
        string? name = headers.TryGetValue("task", out object? nameValue) ? TaskNameTable.Text(nameValue) : null;
        if (name is null)
        {
            throw new MalformedMessageException(id, null,
                headers.ContainsKey("id")
                    ? "The message has no 'task' header."
                    : "The message has no 'task' header: it looks like Celery protocol v1, which TaskGen does not read (set task_protocol = 2).");
        }

        if (id is null)
        {
            throw new MalformedMessageException(null, name, "The message has no 'id' header and no correlation_id.");
        }

        string? contentType = message.Properties.ContentType;
        if (!string.Equals(contentType, JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedMessageException(id, name,
                $"Content type '{contentType ?? "(none)"}' is refused: TaskGen accepts only {JsonContentType} (pickle, yaml and msgpack bodies are never read; pickle can run code).");
        }

        string? encoding = message.Properties.ContentEncoding;
        if (encoding is not null && !encoding.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedMessageException(id, name, $"Content encoding '{encoding}' is refused: JSON bodies must be utf-8.");
        }

        if (message.Body.Length > maxBodySize)
        {
            throw new MalformedMessageException(id, name, $"The body is {message.Body.Length} bytes, more than the {maxBodySize} bytes accepted.");
        }

        ReadOnlyMemory<byte> body = message.Body;
        string? compression = HeaderString(headers, "compression");
        if (compression is not null)
        {
            body = Decompress(id, name, compression, body, maxBodySize);
        }

        (ReadOnlyMemory<byte> args, ReadOnlyMemory<byte> kwargs, ReadOnlyMemory<byte> embed) = SplitBody(id, name, body);

        DateTimeOffset? eta = HeaderDate(headers, "eta", id, name);
        DateTimeOffset? expires = HeaderDate(headers, "expires", id, name);
        headers.TryGetValue("root_id", out object? rootId);
        headers.TryGetValue("parent_id", out object? parentId);
        var request = new TaskRequest
        {
            Id = id,
            Name = name,
            Args = args,
            Kwargs = kwargs,
            Embed = embed,
            Retries = HeaderNumber(headers, "retries") is double retries and >= 0 and <= int.MaxValue ? (int)retries : 0,

            // A task that starts a workflow is its own root: its root id is then the id string already made.
            RootIdValue = SameText(rootId, idValue) ? id : rootId,
            ParentIdValue = parentId,
            IgnoreResult = HeaderBoolean(headers, "ignore_result"),
            ReplyTo = string.IsNullOrEmpty(message.Properties.ReplyTo) ? null : message.Properties.ReplyTo,
            CorrelationId = message.Properties.CorrelationId ?? id,
            Headers = headers,
        };
        request.SetDecoded(eta, expires, HeaderTimeLimit(headers));
        return request;
    }

    /// <summary>
    /// Splits a body into its <c>args</c>, <c>kwargs</c> and <c>embed</c> parts, checking the layout.
    /// Python's bare <c>NaN</c>/<c>Infinity</c> literals are turned into strings the readers accept.
    /// </summary>
    /// <param name="id">The task id, for the error.</param>
    /// <param name="name">The task name, for the error.</param>
    /// <param name="body">The body.</param>
    public static (ReadOnlyMemory<byte> Args, ReadOnlyMemory<byte> Kwargs, ReadOnlyMemory<byte> Embed) SplitBody(string? id, string? name, ReadOnlyMemory<byte> body)
    {
        try
        {
            return SplitValidJson(body);
        }
        catch (JsonException ex) when (NonStandardJson.ContainsNonFiniteLiteral(body.Span))
        {
            try
            {
                return SplitValidJson(NonStandardJson.QuoteNonFiniteLiterals(body.Span));
            }
            catch (JsonException)
            {
                throw new MalformedMessageException(id, name, $"The body is not valid JSON: {ex.Message}", ex);
            }
            catch (BodyLayoutException layout)
            {
                // Thrown inside a catch block, so the handler below would not see it.
                throw new MalformedMessageException(id, name, layout.Message);
            }
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException(id, name, $"The body is not valid JSON: {ex.Message}", ex);
        }
        catch (BodyLayoutException ex)
        {
            throw new MalformedMessageException(id, name, ex.Message);
        }
    }

    private static (ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>) SplitValidJson(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 128 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new BodyLayoutException("The body must be a JSON array [args, kwargs, embed].");
        }

        ReadOnlyMemory<byte> args = ReadPart(ref reader, body, JsonTokenType.StartArray, "args", "an array");
        ReadOnlyMemory<byte> kwargs = ReadPart(ref reader, body, JsonTokenType.StartObject, "kwargs", "an object");
        ReadOnlyMemory<byte> embed = default;
        if (!reader.Read())
        {
            throw new BodyLayoutException("The body must be a JSON array of three items [args, kwargs, embed]; it ends after kwargs.");
        }

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            int start = (int)reader.TokenStartIndex;
            reader.Skip();
            embed = body[start..(int)reader.BytesConsumed];
            reader.Read();
        }
        else if (reader.TokenType == JsonTokenType.Null)
        {
            reader.Read();
        }
        else if (reader.TokenType == JsonTokenType.EndArray)
        {
            // Celery unpacks the body into exactly three names, so a two-item body fails in Python too.
            throw new BodyLayoutException("The body must be a JSON array of three items [args, kwargs, embed]; it has two.");
        }
        else
        {
            throw new BodyLayoutException("The body's third item (embed) must be null or an object.");
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw new BodyLayoutException("The body must be a JSON array of exactly three items [args, kwargs, embed].");
        }

        if (reader.Read())
        {
            throw new BodyLayoutException("The body has content after its closing bracket.");
        }

        return (args, kwargs, embed);
    }

    private static ReadOnlyMemory<byte> ReadPart(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, JsonTokenType expected, string part, string description)
    {
        if (!reader.Read() || reader.TokenType != expected)
        {
            throw new BodyLayoutException($"The body's {part} item must be {description}.");
        }

        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        return body[start..(int)reader.BytesConsumed];
    }

    private static ReadOnlyMemory<byte> Decompress(string id, string name, string compression, ReadOnlyMemory<byte> body, int maxBodySize)
    {
        if (compression is not ("application/x-gzip" or "zlib" or "application/zlib"))
        {
            throw new MalformedMessageException(id, name, $"Compression '{compression}' is not supported (only zlib, sent as application/x-gzip).");
        }

        try
        {
            using var input = new ZLibStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
            {
                output.Write(chunk, 0, read);
                if (output.Length > maxBodySize)
                {
                    throw new MalformedMessageException(id, name, $"The decompressed body is larger than the {maxBodySize} bytes accepted.");
                }
            }

            return output.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // Corrupt streams surface as either: InvalidDataException from the format checks, and
            // System.IO.Compression.ZLibException (an IOException) from the native inflater.
            throw new MalformedMessageException(id, name, $"The body could not be decompressed as zlib: {ex.Message}", ex);
        }
    }

    // Whether two header values are the same UTF-8 bytes, so the text already made for one serves for both.
    private static bool SameText(object? value, object? other) =>
        value is byte[] bytes && other is byte[] otherBytes && bytes.AsSpan().SequenceEqual(otherBytes);

    private sealed class BodyLayoutException(string message) : Exception(message);
}
