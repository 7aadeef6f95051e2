using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Results;

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
    /// The longest text kept of a result, its arguments or its traceback: a 16 MB result must not be held
    /// <c>max</c> times; longer text is cut and ends with <see cref="Truncated"/>.
    /// </summary>
    internal const int MaxFieldChars = 64 * 1024;

    /// <summary>What ends a field that was cut.</summary>
    internal const string Truncated = "…";

    public static async IAsyncEnumerable<StoredResult> ReadRecentAsync(RedisResultConnection connection, int max, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (max <= 0)
        {
            yield break;
        }

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
                if (values[i].IsNullOrEmpty || Parse(keys[i].ToString(), (byte[])values[i]!) is not { } stored)
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

    /// <summary>One stored value as Celery writes it, or null for what is not (a value of another program, a broken write).</summary>
    internal static StoredResult? Parse(string key, ReadOnlyMemory<byte> value)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(value);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "status") is not { } state)
            {
                return null;
            }

            string id = Text(root, "task_id") ?? key[RedisResultConnection.KeyPrefix.Length..];
            return new StoredResult(id, state, Json(root, "result"), Cut(Text(root, "traceback")), DateDone(Text(root, "date_done")))
            {
                Name = Text(root, "name"),
                Args = Json(root, "args"),
                Kwargs = Json(root, "kwargs"),
                Worker = Text(root, "worker"),
                Retries = root.TryGetProperty("retries", out JsonElement retries) && retries.TryGetInt32(out int count) ? count : null,
                Queue = Text(root, "queue"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? Cut(value.GetString()) : null;

    private static string? Json(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Undefined ? Cut(value.GetRawText()) : null;

    private static string? Cut(string? text) =>
        text is { Length: > MaxFieldChars } ? string.Concat(text.AsSpan(0, MaxFieldChars), Truncated) : text;

    /// <summary>Celery's <c>date_done</c>: Python's isoformat, naive (UTC) as TaskGen and Celery 5 write it, or with an offset.</summary>
    internal static DateTimeOffset? DateDone(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed)
            ? parsed
            : null;
}
