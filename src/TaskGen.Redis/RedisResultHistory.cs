using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Results;

using TaskGen.Serialization;

namespace TaskGen.Redis;

/// <summary>
/// Lists the results kept under <c>celery-task-meta-*</c>, TaskGen's and Python Celery's alike: SCAN with a COUNT
/// (never KEYS, which blocks the server), MGET per page, and a heap that keeps only the newest <c>max</c> by
/// <c>date_done</c>, so memory stays bounded however many results the server holds.
/// </summary>
internal static class RedisResultHistory
{
    /// <summary>How many keys one SCAN step asks for, and one MGET reads.</summary>
    internal const int PageSize = 500;

    /// <summary>
    /// The longest text ever kept of a result, its arguments or its traceback, whatever length the reader asks for: a
    /// 16 MB result must not be held <c>max</c> times; longer text is cut and ends with <see cref="Truncated"/>.
    /// </summary>
    internal const int MaxFieldChars = 64 * 1024;

    /// <summary>What ends a field that was cut.</summary>
    internal const string Truncated = TextCut.Mark;

    /// <summary>Reads the newest <paramref name="max"/> results, each field cut to <paramref name="maxFieldLength"/> characters (at most <see cref="MaxFieldChars"/>) as it is read.</summary>
    public static async IAsyncEnumerable<StoredResult> ReadRecentAsync(RedisResultConnection connection, int max, int maxFieldLength, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (max <= 0)
        {
            yield break;
        }

        // Cut before a result joins the heap, so the heap holds max results of this length, not of the stored one.
        int fieldLength = Math.Clamp(maxFieldLength, 1, MaxFieldChars);

        ConnectionMultiplexer redis = await connection.GetAsync(cancellationToken).ConfigureAwait(false);
        IDatabase database = redis.GetDatabase();
        string pattern = RedisResultConnection.KeyPrefix + "*";

        // The newest max, the oldest on top so it is the one dropped; ties keep the first seen.
        var newest = new PriorityQueue<StoredResult, (long Ticks, long Order)>(Math.Min(max, 4096) + 1);
        long order = 0;
        string cursor = "0";
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            RedisResult scanned = await database.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", PageSize).ConfigureAwait(false);
            var reply = (RedisResult[])scanned!;
            cursor = (string)reply[0]!;
            RedisKey[] keys = (RedisKey[])reply[1]!;
            if (keys.Length == 0)
            {
                continue;
            }

            RedisValue[] values = await database.StringGetAsync(keys).ConfigureAwait(false);
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i].IsNullOrEmpty || Parse(keys[i].ToString(), (byte[])values[i]!, fieldLength) is not { } stored)
                {
                    continue;
                }

                // A result without a readable date sorts as the oldest: kept only while there is room.
                (long, long) priority = (stored.DateDone?.UtcTicks ?? 0, -order++);
                if (newest.Count < max)
                {
                    newest.Enqueue(stored, priority);
                }
                else
                {
                    newest.EnqueueDequeue(stored, priority);
                }
            }
        }
        while (cursor != "0");

        var ordered = new StoredResult[newest.Count];
        for (int i = ordered.Length - 1; i >= 0; i--)
        {
            ordered[i] = newest.Dequeue();
        }

        foreach (StoredResult stored in ordered)
        {
            yield return stored;
        }
    }

    /// <summary>
    /// One stored value as Celery writes it, or null for what is not (a value of another program, a broken write); a
    /// field of the wrong kind or unreadable text (a lone surrogate) is left out, not the whole value.
    /// </summary>
    /// <param name="key">The value's key, whose tail is the task id when the value names none.</param>
    /// <param name="value">The stored bytes.</param>
    /// <param name="maxFieldLength">The most characters kept of a text field, the cut mark included.</param>
    internal static StoredResult? Parse(string key, ReadOnlyMemory<byte> value, int maxFieldLength = MaxFieldChars)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(value);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "status", maxFieldLength) is not { } state)
            {
                return null;
            }

            string id = Text(root, "task_id", maxFieldLength) ?? key[RedisResultConnection.KeyPrefix.Length..];
            return new StoredResult(id, state, Json(root, "result", maxFieldLength), Text(root, "traceback", maxFieldLength), DateDone(Text(root, "date_done", maxFieldLength)))
            {
                Name = Text(root, "name", maxFieldLength),
                Args = Json(root, "args", maxFieldLength),
                Kwargs = Json(root, "kwargs", maxFieldLength),
                Worker = Text(root, "worker", maxFieldLength),
                Retries = root.TryGetProperty("retries", out JsonElement retries) && retries.ValueKind == JsonValueKind.Number && retries.TryGetInt32(out int count) ? count : null,
                Queue = Text(root, "queue", maxFieldLength),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A value no field check foresaw: this one result is skipped, and the walk goes on to the next.
            return null;
        }
    }

    private static string? Text(JsonElement root, string name, int maxLength)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return Cut(value.GetString(), maxLength);
        }
        catch (InvalidOperationException)
        {
            // Escaped text that is no UTF-16 (a lone surrogate, "\ud800"): the field is unreadable, the result is not.
            return null;
        }
    }

    private static string? Json(JsonElement root, string name, int maxLength) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Undefined ? Cut(value.GetRawText(), maxLength) : null;

    /// <summary>
    /// <paramref name="text"/> at most <paramref name="maxLength"/> characters long, ending with <see cref="Truncated"/>
    /// when cut and never between the halves of a surrogate pair, as the monitor cuts what events carry.
    /// </summary>
    internal static string? Cut(string? text, int maxLength) => TextCut.Cut(text, maxLength);

    /// <summary>Celery's <c>date_done</c>: Python's isoformat, naive (UTC) as TaskGen and Celery 5 write it, or with an offset.</summary>
    internal static DateTimeOffset? DateDone(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed)
            ? parsed
            : null;
}
