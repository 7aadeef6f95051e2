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
/// <summary>Reading the protocol's headers: AMQP long strings, numbers of any width, dates, time limits and expirations.</summary>
internal static partial class TaskMessageCodec
{
    /// <summary>Reads a header as a string, decoding AMQP long strings (UTF-8 bytes).</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="key">The header name.</param>
    public static string? HeaderString(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out object? value) ? HeaderText(value) : null;

    /// <summary>Reads a header value as text: AMQP long strings arrive as UTF-8 bytes, numbers print invariantly.</summary>
    /// <param name="value">The header value.</param>
    public static string? HeaderText(object? value) => value switch
    {
        null => null,
        string s => s,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static double? AsNumber(object? value) => value switch
    {
        null => null,
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        uint u => u,
        ulong u => u,
        float f => f,
        double d => d,
        decimal m => (double)m,
        string or byte[] => double.TryParse(HeaderText(value), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
        _ => null,
    };

    /// <summary>Reads a header as a number, from any numeric type or numeric text; null when absent or not a number.</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="key">The header name.</param>
    public static double? HeaderNumber(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out object? value) ? AsNumber(value) : null;

    private static bool HeaderBoolean(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out object? value) && value switch
        {
            bool b => b,
            null => false,
            _ => AsNumber(value) is { } n ? n != 0 : bool.TryParse(HeaderText(value), out bool parsed) && parsed,
        };

    private static DateTimeOffset? HeaderDate(IDictionary<string, object?> headers, string key, string id, string name)
    {
        string? text = HeaderString(headers, key);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return IsoDates.TryParse(text, out DateTimeOffset value)
            ? value
            : throw new MalformedMessageException(id, name, $"The '{key}' header '{text}' is not an ISO-8601 date.");
    }

    /// <summary>
    /// The AMQP <c>expiration</c> for a task that expires after <paramref name="remaining"/>, or null to send none.
    /// </summary>
    /// <remarks>
    /// The <c>expires</c> header always travels, and a worker reports a task received after it as REVOKED, so
    /// the property is only a way for the broker to drop stale messages early. It is left out when it would
    /// do harm: for a moment already past (the broker would drop the message silently and the caller would
    /// never hear of it; without it the worker answers REVOKED, as Celery's does), and beyond RabbitMQ's
    /// maximum (the broker would refuse it and close the publishing channel).
    /// </remarks>
    /// <param name="remaining">How long until the task expires.</param>
    internal static string? Expiration(TimeSpan remaining)
    {
        double milliseconds = Math.Ceiling(remaining.TotalMilliseconds);
        return milliseconds is >= 1 and <= MaxExpirationMilliseconds
            ? ((long)milliseconds).ToString(CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// Reads a time limit in seconds as the worker can honour it: a value that is not finite, or not above
    /// zero, means no limit (Celery treats a falsy limit so); one above <see cref="MaxTimeLimit"/> is
    /// clamped to it, since no .NET timer waits longer.
    /// </summary>
    /// <param name="seconds">The limit as sent.</param>
    internal static double? ClampTimeLimit(double? seconds) => seconds switch
    {
        null => null,
        double s when !double.IsFinite(s) || s <= 0 => null,
        double s => Math.Min(s, MaxTimeLimit.TotalSeconds),
    };

    private static (double?, double?) HeaderTimeLimit(IDictionary<string, object?> headers)
    {
        if (!headers.TryGetValue("timelimit", out object? value) || value is not IList list || list.Count < 2)
        {
            return (null, null);
        }

        // Celery's code sends [hard, soft], whatever its protocol document says. Any producer can send any
        // number, so each is clamped here rather than left to throw from a timer in the worker.
        return (ClampTimeLimit(AsNumber(list[0])), ClampTimeLimit(AsNumber(list[1])));
    }

    private static string Repr(ReadOnlySpan<byte> json)
    {
        string text = Encoding.UTF8.GetString(json);
        return text.Length <= MaxReprLength ? text : string.Concat(text.AsSpan(0, MaxReprLength - 3), "...");
    }
}
