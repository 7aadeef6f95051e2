using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Redis;

/// <summary>
/// Groups and chords on Celery's Redis layout, as Celery 5.2 and 5.6 keep them with default settings: a saved group
/// at <c>celery-taskset-meta-&lt;gid&gt;</c>, and a chord's finished parts in the sorted set <c>&lt;key&gt;.j</c> scored by
/// <c>group_index</c> (Celery's <c>result_chord_ordered</c>, on by default in both), beside the size <c>.s</c> and the
/// size change <c>.t</c>, so that parts finishing on Python and TaskGen workers join one chord.
/// </summary>
internal sealed class RedisGroupStore : IGroupStore
{
    /// <summary>Celery's key (and channel) prefix for saved groups and a chord's counters.</summary>
    public const string KeyPrefix = "celery-taskset-meta-";

    // Celery sends ZADD, ZCOUNT, GET .t, GET .s and the EXPIREs in one pipeline, and deletes the keys after reading the
    // parts; one script makes the count and, for the last part, the read and the delete a single step, so that exactly
    // one part sees the chord complete even when two finish at once. The same step ends a chord that cannot complete: it
    // deletes .j and .t and leaves .s at -1 until it expires, so that no later part, TaskGen's or Python's, can
    // start the already-failed body. A Python worker reads -1 as a total no count ever equals, and does nothing.
    // ARGV: the part, its score, the expiry in ms, the carried size (empty for none), the group_index (empty for none).
    // The reply is {outcome, ready, total or false, 1 when the total came from the carried size, parts...}.
    private const string PartReturnScript = """
        local ttl = tonumber(ARGV[3])
        local size = redis.call('GET', KEYS[3])
        if size == '-1' then
          return {'ended', redis.call('ZCARD', KEYS[1]), false, 0}
        end
        local diff = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
        local carried = tonumber(ARGV[4])
        local total = false
        local fromMessage = 0
        if size then
          total = (tonumber(size) or -1) + diff
        elseif carried then
          total = carried + diff
          fromMessage = 1
        end
        local function finish(outcome, ready)
          redis.call('DEL', KEYS[1], KEYS[2])
          redis.call('SET', KEYS[3], '-1', 'PX', ttl)
          return {outcome, ready, total, fromMessage}
        end
        if size and carried and tonumber(size) ~= carried then
          return finish('conflict', redis.call('ZCARD', KEYS[1]))
        end
        local index = tonumber(ARGV[5])
        if total and index and (index < 0 or index >= total) then
          return finish('out', redis.call('ZCARD', KEYS[1]))
        end
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        local ready = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
        redis.call('PEXPIRE', KEYS[1], ttl)
        redis.call('PEXPIRE', KEYS[2], ttl)
        redis.call('PEXPIRE', KEYS[3], ttl)
        if not total then
          return {'wait', ready, false, 0}
        end
        if ready > total then
          return finish('over', ready)
        end
        if ready < total then
          return {'count', ready, total, fromMessage}
        end
        -- A part counted before the size was known was not checked for its index; check every part now.
        local inRange = redis.call('ZCOUNT', KEYS[1], 0, total - 1) + redis.call('ZCOUNT', KEYS[1], '+inf', '+inf')
        if inRange ~= ready then
          return finish('out', ready)
        end
        local reply = {'joined', ready, total, fromMessage}
        for _, part in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          table.insert(reply, part)
        end
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
        return reply
        """;

    private const string SetScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('PUBLISH', KEYS[1], ARGV[1])
        return 1
        """;

    private readonly RedisResultConnection _connection;
    private readonly long _expiresMilliseconds;

    public RedisGroupStore(RedisResultConnection connection, TimeSpan expires)
    {
        _connection = connection;
        _expiresMilliseconds = Math.Max(1, (long)expires.TotalMilliseconds);
    }

    /// <summary>The key of a saved group; the chord counters add <c>.j</c>, <c>.t</c> and <c>.s</c> to it.</summary>
    public static string Key(string groupId) => KeyPrefix + groupId;

    public async ValueTask SaveGroupAsync(string groupId, IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.ScriptEvaluateAsync(SetScript, [Key(groupId)], [EncodeGroup(groupId, taskIds), _expiresMilliseconds]).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>?> RestoreGroupAsync(string groupId, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisValue value = await database.StringGetAsync(Key(groupId)).ConfigureAwait(false);
        return value.IsNull ? null : DecodeGroup((byte[])value!);
    }

    public async ValueTask SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.ScriptEvaluateAsync(SetScript, [Key(groupId) + ".s"], [size.ToString(CultureInfo.InvariantCulture), _expiresMilliseconds]).ConfigureAwait(false);
    }

    public async ValueTask<ChordPartReturn> OnChordPartReturnAsync(string groupId, string taskId, int? groupIndex, int? carriedSize, TaskState state, ResultBody result, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        string key = Key(groupId);

        // Celery scores a part without a group_index at +inf, after every indexed one.
        string score = groupIndex is { } index ? index.ToString(CultureInfo.InvariantCulture) : "+inf";
        RedisResult reply = await database.ScriptEvaluateAsync(
            PartReturnScript,
            [key + ".j", key + ".t", key + ".s"],
            [
                EncodePart(taskId, state, result.Value.Span),
                score,
                _expiresMilliseconds,
                carriedSize is { } carried ? carried.ToString(CultureInfo.InvariantCulture) : string.Empty,
                groupIndex is { } i ? i.ToString(CultureInfo.InvariantCulture) : string.Empty,
            ]).ConfigureAwait(false);
        RedisResult[] items = (RedisResult[])reply!;
        ChordPartOutcome outcome = (string?)items[0] switch
        {
            "ended" => ChordPartOutcome.AlreadyEnded,
            "conflict" => ChordPartOutcome.SizeConflict,
            "out" => ChordPartOutcome.IndexOutOfRange,
            "wait" => ChordPartOutcome.WaitingForSize,
            "over" => ChordPartOutcome.SizeExceeded,
            "count" => ChordPartOutcome.Counted,
            "joined" => ChordPartOutcome.Joined,
            string other => throw new InvalidOperationException($"The chord script answered '{other}', which this version does not know."),
            null => throw new InvalidOperationException("The chord script answered nothing."),
        };
        int ready = (int)items[1];
        int? total = items[2].IsNull ? null : (int)items[2];
        bool fromMessage = (int)items[3] == 1;
        if (outcome != ChordPartOutcome.Joined)
        {
            return new ChordPartReturn(outcome, ready, total, null, fromMessage);
        }

        var parts = new List<ChordPart>(items.Length - 4);
        for (int p = 4; p < items.Length; p++)
        {
            parts.Add(DecodePart((byte[])items[p]!));
        }

        return new ChordPartReturn(outcome, ready, total, parts, fromMessage);
    }

    /// <summary>
    /// A group as Celery's <c>GroupResult.save()</c> stores it in JSON: <c>{"result": [[gid, null], [[[tid, null], null], ...]]}</c>,
    /// the result tuple of a group without a parent whose members have none.
    /// </summary>
    public static byte[] EncodeGroup(string groupId, IReadOnlyList<string> taskIds)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (taskIds.Count * 48));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("result"u8);
            writer.WriteStartArray();
            writer.WriteStringValue(groupId);
            writer.WriteNullValue();
            writer.WriteEndArray();
            writer.WriteStartArray();
            foreach (string id in taskIds)
            {
                writer.WriteStartArray();
                writer.WriteStartArray();
                writer.WriteStringValue(id);
                writer.WriteNullValue();
                writer.WriteEndArray();
                writer.WriteNullValue();
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The member ids of a saved group, each member's id from its <c>[[id, parent], children]</c> tuple.</summary>
    /// <exception cref="JsonException">The value is not a saved group.</exception>
    public static IReadOnlyList<string> DecodeGroup(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement tuple = document.RootElement.GetProperty("result");
        var ids = new List<string>();
        foreach (JsonElement member in tuple[1].EnumerateArray())
        {
            // A member that is a group itself ([[gid, parent], [...]]) is named by its own id, as Celery's result_from_tuple reads it.
            ids.Add(member[0][0].GetString() ?? throw new JsonException("A saved group member has no id."));
        }

        return ids;
    }

    /// <summary>
    /// One part as Celery encodes it into the <c>.j</c> set: <c>[1, tid, state, result]</c> in Python's JSON spacing,
    /// the result being the value, or for a failure the exception as Celery's <c>encode_result</c> writes it.
    /// </summary>
    public static byte[] EncodePart(string taskId, TaskState state, ReadOnlySpan<byte> resultJson)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + taskId.Length + resultJson.Length);
        buffer.Write("[1, "u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(taskId);
        }

        buffer.Write(", \""u8);
        buffer.Write(Encoding.UTF8.GetBytes(TaskStates.ToCelery(state)));
        buffer.Write("\", "u8);
        buffer.Write(resultJson.IsEmpty ? "null"u8 : resultJson);
        buffer.Write("]"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads one part written by <see cref="EncodePart"/> or by Celery.</summary>
    /// <exception cref="JsonException">The part is not <c>[1, tid, state, result]</c>.</exception>
    public static ChordPart DecodePart(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 4)
        {
            throw new JsonException("A chord part is not [1, task_id, state, result].");
        }

        string taskId = root[1].GetString() ?? string.Empty;
        TaskState state = TaskStates.FromCelery(root[2].GetString());
        return new ChordPart(taskId, state, Encoding.UTF8.GetBytes(root[3].GetRawText()));
    }

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        (await _connection.GetAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
}
