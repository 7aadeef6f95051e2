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
                Arguments = new RawJsonArguments(args, kwargs),
                Exchange = Option(options, "exchange") ?? string.Empty,
                RoutingKey = Option(options, "routing_key") ?? queue ?? string.Empty,
                ReplyTo = Option(options, "reply_to"),
                Priority = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("priority", out JsonElement p) && p.TryGetByte(out byte priority) ? priority : (byte)0,
                RootId = request.RootId ?? request.Id,
                ParentId = request.Id,
                Origin = origin,
                Embed = remainingChain is { Length: > 0 } ? ChainEmbed(remainingChain) : default,
            };
            followUps.Add(new FollowUp(envelope, queue));
        }
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

    private static ReadOnlyMemory<byte> ChainEmbed(JsonElement[] chain)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNull("callbacks");
            writer.WriteNull("errbacks");
            writer.WriteStartArray("chain");
            foreach (JsonElement step in chain)
            {
                step.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteNull("chord");
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
