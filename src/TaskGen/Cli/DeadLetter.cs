using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using TaskGen.Protocol;

namespace TaskGen.Cli;

/// <summary>
/// One message in a dead-letter queue as the <c>deadletters</c> command reads it: the task its headers name, and
/// where, why and when the broker dead-lettered it (its <c>x-death</c> header, most recent death first).
/// </summary>
internal sealed class DeadLetter
{
    private string? _key;

    /// <summary>Reads <paramref name="message"/>, found at <paramref name="position"/> in its queue.</summary>
    public DeadLetter(int position, TransportMessage message)
    {
        Position = position;
        Message = message;
        IDictionary<string, object?> headers = message.Headers;
        TaskId = TaskMessageCodec.HeaderString(headers, "id") ?? message.Properties.CorrelationId;
        TaskName = TaskMessageCodec.HeaderString(headers, "task");
        Retries = TaskMessageCodec.HeaderString(headers, "retries");
        Deaths = ReadDeaths(headers);
    }

    /// <summary>Where the message stands in the queue, from 1.</summary>
    public int Position { get; }

    /// <summary>The message as the broker delivered it, death headers included.</summary>
    public TransportMessage Message { get; }

    /// <summary>The task id: the <c>id</c> header, else the correlation id (protocol 1 keeps the id in the body).</summary>
    public string? TaskId { get; }

    /// <summary>The task name from the <c>task</c> header, or null when the message has none.</summary>
    public string? TaskName { get; }

    /// <summary>The <c>retries</c> header as text, or null when absent.</summary>
    public string? Retries { get; }

    /// <summary>
    /// What tells this message from another when the broker hands one back after a lost connection: the task id and a
    /// hash of the body, which a copy keeps and the broker never changes.
    /// </summary>
    public string Key => _key ??= TaskId + "|" + Convert.ToHexString(SHA256.HashData(Message.Body.Span));

    /// <summary>The <c>x-death</c> entries, one per queue and reason, the most recent first (RabbitMQ keeps them so).</summary>
    public IReadOnlyList<Death> Deaths { get; }

    /// <summary>
    /// The latest death: the first <c>x-death</c> entry, else what the <c>x-last-death-*</c> or <c>x-first-death-*</c>
    /// headers say (a broker that keeps only those), else null.
    /// </summary>
    public Death? LastDeath => Deaths.Count > 0 ? Deaths[0] : Summary("x-last-death-") ?? Summary("x-first-death-");

    /// <summary>Whether a header is one the broker adds when it dead-letters a message, and drops from a replay.</summary>
    public static bool IsDeathHeader(string key) =>
        key == "x-death"
        || key.StartsWith("x-first-death-", StringComparison.Ordinal)
        || key.StartsWith("x-last-death-", StringComparison.Ordinal);

    /// <summary>
    /// The message to publish to <paramref name="queue"/> through the default exchange: the same body, properties and
    /// headers, without the death headers (a replay that dies again starts a fresh history), confirmed and mandatory.
    /// </summary>
    public TransportMessage ForReplay(string queue)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> header in Message.Headers)
        {
            if (!IsDeathHeader(header.Key))
            {
                headers[header.Key] = header.Value;
            }
        }

        return new TransportMessage(string.Empty, queue, Message.Properties, headers, Message.Body) { Mandatory = true, Confirm = true };
    }

    /// <summary>Reads a header value as one line of text: long strings decoded, tables and arrays spelled out, times in ISO 8601.</summary>
    public static string Text(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        RabbitMQ.Client.AmqpTimestamp or DateTimeOffset or DateTime => Time(value) is { } time ? Iso(time) : "null",
        IDictionary<string, object?> table => "{" + string.Join(", ", Pairs(table)) + "}",
        IDictionary table => "{" + string.Join(", ", Pairs(table)) + "}",
        string or byte[] => TaskMessageCodec.HeaderText(value)!,
        IList list => "[" + string.Join(", ", Items(list)) + "]",
        _ => TaskMessageCodec.HeaderText(value) ?? "null",
    };

    /// <summary>A time as the list and show print it: UTC, to the second.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static IEnumerable<string> Pairs(IDictionary<string, object?> table)
    {
        foreach (KeyValuePair<string, object?> pair in table)
        {
            yield return pair.Key + ": " + Text(pair.Value);
        }
    }

    private static IEnumerable<string> Pairs(IDictionary table)
    {
        foreach (DictionaryEntry pair in table)
        {
            yield return Text(pair.Key) + ": " + Text(pair.Value);
        }
    }

    private static IEnumerable<string> Items(IList list)
    {
        foreach (object? item in list)
        {
            yield return Text(item);
        }
    }

    private static DateTimeOffset? Time(object? value) => value switch
    {
        RabbitMQ.Client.AmqpTimestamp stamp => DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime),
        DateTimeOffset time => time,
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        long seconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
        int seconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
        _ => null,
    };

    private static long Count(object? value) => value switch
    {
        long l => l,
        int i => i,
        short s => s,
        byte b => b,
        _ => long.TryParse(TaskMessageCodec.HeaderText(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) ? parsed : 0,
    };

    private static IReadOnlyList<Death> ReadDeaths(IDictionary<string, object?> headers)
    {
        if (!headers.TryGetValue("x-death", out object? value) || value is not IList entries)
        {
            return [];
        }

        var deaths = new List<Death>(entries.Count);
        foreach (object? entry in entries)
        {
            if (entry is not IDictionary<string, object?> table)
            {
                continue;
            }

            var keys = new List<string>();
            if (table.TryGetValue("routing-keys", out object? routingKeys) && routingKeys is IList list)
            {
                foreach (object? key in list)
                {
                    keys.Add(TaskMessageCodec.HeaderText(key) ?? string.Empty);
                }
            }

            deaths.Add(new Death(
                TaskMessageCodec.HeaderString(table, "queue"),
                TaskMessageCodec.HeaderString(table, "reason"),
                table.TryGetValue("count", out object? count) ? Count(count) : 1,
                table.TryGetValue("time", out object? time) ? Time(time) : null,
                TaskMessageCodec.HeaderString(table, "exchange"),
                keys));
        }

        return deaths;
    }

    private Death? Summary(string prefix)
    {
        string? queue = TaskMessageCodec.HeaderString(Message.Headers, prefix + "queue");
        return queue is null
            ? null
            : new Death(queue, TaskMessageCodec.HeaderString(Message.Headers, prefix + "reason"), 1, null, TaskMessageCodec.HeaderString(Message.Headers, prefix + "exchange"), []);
    }
}

/// <summary>One <c>x-death</c> entry: the queue a message died in, why (<c>rejected</c>, <c>expired</c>, <c>maxlen</c>, <c>delivery_limit</c>), how often, and when it first did.</summary>
/// <param name="Queue">The queue it died in.</param>
/// <param name="Reason">Why the broker dead-lettered it.</param>
/// <param name="Count">How many times it died in that queue for that reason.</param>
/// <param name="Time">When it first died there, or null when the header does not say.</param>
/// <param name="Exchange">The exchange it had been published to (empty for the default exchange).</param>
/// <param name="RoutingKeys">The routing keys it had been published with.</param>
internal sealed record Death(string? Queue, string? Reason, long Count, DateTimeOffset? Time, string? Exchange, IReadOnlyList<string> RoutingKeys);
