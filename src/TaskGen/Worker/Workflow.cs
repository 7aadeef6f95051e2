using System;
using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>
/// What the <c>embed</c> part of a task's body says about the rest of its workflow when the task fails: the chain
/// steps that fail with it. What a finished task starts next is <see cref="CanvasDispatch"/>'s.
/// </summary>
internal static class Workflow
{
    /// <summary>One task to send: who it is, where it goes, and its message.</summary>
    internal sealed record FollowUp(TaskEnvelope Envelope, string? Queue);

    /// <summary>
    /// One chain step after a failed task: its id and reply queue, and, when it is the step that counts for a chord,
    /// its group, its place in the group and the chord body (as JSON text).
    /// </summary>
    internal sealed record ChainStep(string Id, string? ReplyTo, string? GroupId, int? GroupIndex, string? ChordJson);

    /// <summary>
    /// The chain steps after a failed task, which Celery marks as failed too so that whoever waits for the chain's end
    /// hears of the failure, and counts as failed parts of their chord.
    /// </summary>
    public static List<ChainStep> RemainingChainSteps(ReadOnlyMemory<byte> embedJson)
    {
        var steps = new List<ChainStep>();
        if (embedJson.IsEmpty)
        {
            return steps;
        }

        using JsonDocument embed = JsonDocument.Parse(embedJson);
        JsonElement root = embed.RootElement;
        if (root.TryGetProperty("chain", out JsonElement chain) && chain.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement step in chain.EnumerateArray())
            {
                JsonElement options = step.ValueKind == JsonValueKind.Object && step.TryGetProperty("options", out JsonElement o) && o.ValueKind == JsonValueKind.Object ? o : default;
                if (Option(options, "task_id") is { } id)
                {
                    int? groupIndex = options.TryGetProperty("group_index", out JsonElement gi) && gi.ValueKind == JsonValueKind.Number && gi.TryGetInt32(out int index) ? index : null;
                    string? chord = options.TryGetProperty("chord", out JsonElement c) && c.ValueKind == JsonValueKind.Object ? c.GetRawText() : null;
                    steps.Add(new ChainStep(id, Option(options, "reply_to"), Option(options, "group_id"), groupIndex, chord));
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
}
