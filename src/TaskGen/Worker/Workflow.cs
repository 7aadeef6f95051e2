using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Worker;

/// <summary>
/// What a finished task sends on, from the <c>embed</c> part of its body: its <c>callbacks</c> (links) and
/// the next step of its <c>chain</c>, each called with the result prepended to its own arguments, as
/// Celery's worker does.
/// </summary>
internal static class Workflow
{
    /// <summary>One task to send: who it is, where it goes, and its message.</summary>
    internal sealed record FollowUp(TaskEnvelope Envelope, string? Queue);

    /// <summary>Reads the follow-ups of a request that succeeded with <paramref name="resultJson"/>.</summary>
    /// <exception cref="JsonException">The embed is not what Celery writes.</exception>
    public static List<FollowUp> AfterSuccess(TaskRequest request, ReadOnlyMemory<byte> resultJson, string origin, out List<string> unsupported)
    {
        var followUps = new List<FollowUp>();
        var skipped = new List<string>();
        unsupported = skipped;
        if (request.Embed.IsEmpty)
        {
            return followUps;
        }

        using JsonDocument embed = JsonDocument.Parse(request.Embed);
        JsonElement root = embed.RootElement;
        string result = resultJson.IsEmpty ? "null" : Encoding.UTF8.GetString(resultJson.Span);
        if (root.TryGetProperty("callbacks", out JsonElement callbacks) && callbacks.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement callback in callbacks.EnumerateArray())
            {
                Add(callback, null);
            }
        }

        if (root.TryGetProperty("chain", out JsonElement chain) && chain.ValueKind == JsonValueKind.Array && chain.GetArrayLength() > 0)
        {
            // The next step is the last element; the rest travels on with it.
            JsonElement[] steps = [.. chain.EnumerateArray()];
            Add(steps[^1], steps[..^1]);
        }

        if (root.TryGetProperty("chord", out JsonElement chord) && chord.ValueKind != JsonValueKind.Null)
        {
            skipped.Add("chord");
        }

        return followUps;

        void Add(JsonElement signature, JsonElement[]? remainingChain)
        {
            if (signature.ValueKind != JsonValueKind.Object)
            {
                skipped.Add("a signature that is not an object");
                return;
            }

            string? subtaskType = signature.TryGetProperty("subtask_type", out JsonElement st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
            if (subtaskType is not null || !signature.TryGetProperty("task", out JsonElement task) || task.ValueKind != JsonValueKind.String)
            {
                skipped.Add(subtaskType ?? "a signature without a task name");
                return;
            }

            JsonElement options = signature.TryGetProperty("options", out JsonElement o) && o.ValueKind == JsonValueKind.Object ? o : default;
            bool immutable = signature.TryGetProperty("immutable", out JsonElement im) && im.ValueKind == JsonValueKind.True;
            string args = signature.TryGetProperty("args", out JsonElement a) && a.ValueKind == JsonValueKind.Array ? a.GetRawText() : "[]";
            if (!immutable)
            {
                args = args.Length <= 2 ? $"[{result}]" : $"[{result}, {args[1..]}";
            }

            string kwargs = signature.TryGetProperty("kwargs", out JsonElement k) && k.ValueKind == JsonValueKind.Object ? k.GetRawText() : "{}";
            string? queue = Option(options, "queue");
            var envelope = new TaskEnvelope
            {
                Id = Option(options, "task_id") ?? Guid.NewGuid().ToString(),
                Name = task.GetString()!,
                Arguments = RawJsonArguments.FromWorker(args, kwargs),
                Exchange = Option(options, "exchange") ?? string.Empty,
                RoutingKey = Option(options, "routing_key") ?? queue ?? string.Empty,
                ReplyTo = Option(options, "reply_to"),
                Priority = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("priority", out JsonElement p) && p.ValueKind == JsonValueKind.Number && p.TryGetByte(out byte priority) ? priority : (byte)0,
                RootId = request.RootId ?? request.Id,
                ParentId = request.Id,
                Origin = origin,
                Embed = Embed(remainingChain, options),
            };
            followUps.Add(new FollowUp(envelope, queue));
        }
    }

    /// <summary>
    /// The ids and reply queues of the chain steps after a failed task, which Celery marks as failed too so
    /// that whoever waits for the chain's end hears of the failure; also says whether errbacks were given.
    /// </summary>
    public static List<(string Id, string? ReplyTo)> RemainingChainSteps(ReadOnlyMemory<byte> embedJson, out bool hasErrbacks)
    {
        var steps = new List<(string, string?)>();
        hasErrbacks = false;
        if (embedJson.IsEmpty)
        {
            return steps;
        }

        using JsonDocument embed = JsonDocument.Parse(embedJson);
        JsonElement root = embed.RootElement;
        hasErrbacks = root.TryGetProperty("errbacks", out JsonElement errbacks) && errbacks.ValueKind == JsonValueKind.Array && errbacks.GetArrayLength() > 0;
        if (root.TryGetProperty("chain", out JsonElement chain) && chain.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement step in chain.EnumerateArray())
            {
                JsonElement options = step.ValueKind == JsonValueKind.Object && step.TryGetProperty("options", out JsonElement o) && o.ValueKind == JsonValueKind.Object ? o : default;
                if (Option(options, "task_id") is { } id)
                {
                    steps.Add((id, Option(options, "reply_to")));
                }
            }
        }

        return steps;
    }

    private static string? Option(JsonElement options, string name)
    {
        if (options.ValueKind != JsonValueKind.Object || !options.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        // Celery may give a queue as a serialized kombu Queue: {"name": ...}.
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("name", out JsonElement named) && named.ValueKind == JsonValueKind.String => named.GetString(),
            _ => null,
        };
    }

    /// <summary>
    /// The next step's own workflow: the rest of the chain, and the step's <c>link</c>/<c>link_error</c>
    /// options (Celery puts a chain's link on its last step and its link_error on every step).
    /// </summary>
    private static ReadOnlyMemory<byte> Embed(JsonElement[]? remainingChain, JsonElement options)
    {
        JsonElement link = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("link", out JsonElement l) ? l : default;
        JsonElement linkError = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("link_error", out JsonElement le) ? le : default;
        if (remainingChain is not { Length: > 0 } && link.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null && linkError.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return default;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteSignatures(writer, "callbacks", link);
            WriteSignatures(writer, "errbacks", linkError);
            writer.WriteStartArray("chain");
            foreach (JsonElement step in remainingChain ?? [])
            {
                step.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteNull("chord");
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void WriteSignatures(Utf8JsonWriter writer, string name, JsonElement signatures)
    {
        switch (signatures.ValueKind)
        {
            case JsonValueKind.Array:
                writer.WritePropertyName(name);
                signatures.WriteTo(writer);
                break;
            case JsonValueKind.Object:
                writer.WriteStartArray(name);
                signatures.WriteTo(writer);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteNull(name);
                break;
        }
    }
}
