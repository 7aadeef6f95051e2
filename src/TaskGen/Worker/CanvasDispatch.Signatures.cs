using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using TaskGen.Serialization;

namespace TaskGen.Worker;

/// <content>The signature dicts <see cref="CanvasDispatch"/> reads and writes, in the shape Celery serializes them.</content>
internal static partial class CanvasDispatch
{
    // A place completed from what the signature's own options say, where the caller's place leaves it open.
    private static Place OwnPlace(JsonObject sig, Place place)
    {
        if (sig["options"] is not JsonObject options)
        {
            return place;
        }

        return place with
        {
            GroupId = place.GroupId ?? Option(options, "group_id"),
            GroupIndex = place.GroupIndex ?? (options["group_index"] is JsonValue gi && gi.TryGetValue(out int index) ? index : null),
            Chord = place.Chord ?? (options["chord"] is JsonObject chord ? chord : null),
        };
    }

    // Writes a place into a signature's options, where Celery keeps it and where the step's own start reads it back.
    private static void Mark(JsonNode signature, Place place)
    {
        JsonObject options = Options((JsonObject)signature);
        if (place.GroupId is not null)
        {
            options["group_id"] = place.GroupId;
        }

        if (place.GroupIndex is { } index)
        {
            options["group_index"] = index;
        }

        if (place.Chord is not null)
        {
            options["chord"] = place.Chord.DeepClone();
        }
    }

    private static void AddTo(JsonNode signature, string option, JsonNode? value)
    {
        if (value is null)
        {
            return;
        }

        JsonObject options = Options((JsonObject)signature);
        JsonArray list = options[option] switch
        {
            JsonArray existing => existing,
            JsonObject single => new JsonArray(single.DeepClone()),
            _ => [],
        };
        list.Add(value.DeepClone());
        options[option] = list;
    }

    private static JsonObject Options(JsonObject signature)
    {
        if (signature["options"] is JsonObject options)
        {
            return options;
        }

        var created = new JsonObject();
        signature["options"] = created;
        return created;
    }

    private static JsonObject ChainOf(IReadOnlyList<JsonNode> steps) => steps.Count == 1 && steps[0] is JsonObject only
        ? (JsonObject)only.DeepClone()
        : new JsonObject
        {
            ["task"] = "celery.chain",
            ["args"] = new JsonArray(),
            ["kwargs"] = new JsonObject { ["tasks"] = new JsonArray([.. steps.Select(s => s.DeepClone())]) },
            ["options"] = new JsonObject(),
            ["subtask_type"] = "chain",
            ["immutable"] = false,
        };

    private static JsonObject GroupOf(JsonNode[] members) => new()
    {
        ["task"] = "celery.group",
        ["args"] = new JsonArray(),
        ["kwargs"] = new JsonObject { ["tasks"] = new JsonArray(members) },
        ["options"] = new JsonObject(),
        ["subtask_type"] = "group",
        ["immutable"] = false,
    };

    private static string? SubtaskType(JsonObject sig) =>
        sig["subtask_type"] is JsonValue value && value.TryGetValue(out string? type) ? type : null;

    private static JsonObject? Kwargs(JsonObject sig) => sig["kwargs"] as JsonObject;

    // A group's or chain's members are its kwargs' "tasks" (Celery may also leave them as the first argument).
    private static IReadOnlyList<JsonNode?> Members(JsonObject sig, string name) =>
        Kwargs(sig)?[name] is JsonArray list ? [.. list]
        : sig["args"] is JsonArray { Count: > 0 } args && args[0] is JsonArray first ? [.. first]
        : [];

    private static IReadOnlyList<JsonNode?> AsList(JsonNode? value) => value switch
    {
        JsonArray list => [.. list],
        JsonObject one => [one],
        _ => [],
    };

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        _ => "a " + node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private static string? Option(JsonObject? options, string name)
    {
        JsonNode? value = options?[name];

        // Celery may give a queue as a serialized kombu Queue: {"name": ...}.
        return value switch
        {
            JsonValue text when text.TryGetValue(out string? s) => s,
            JsonObject named when named["name"] is JsonValue n && n.TryGetValue(out string? s) => s,
            _ => null,
        };
    }

    // An option given in seconds (Celery writes an int or a float), or null when it is absent or not a number.
    private static TimeSpan? Seconds(JsonObject? options, string name) =>
        options?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static DateTimeOffset? Moment(JsonObject? options, string name)
    {
        if (options?[name] is not JsonValue value || !value.TryGetValue(out string? text))
        {
            return null;
        }

        return IsoDates.TryParse(text, out DateTimeOffset moment)
            ? moment
            : throw new FormatException($"The option '{name}' of a signature is '{text}', not an ISO-8601 date and time or a number of seconds.");
    }

    /// <summary>
    /// The step's own workflow: its <c>link</c> and <c>link_error</c>, the chain steps after it (last first, as Celery
    /// keeps them), and the chord body it is a part of.
    /// </summary>
    private static ReadOnlyMemory<byte> Embed(JsonObject? options, IReadOnlyList<JsonNode>? chainRest, JsonNode? chord)
    {
        IReadOnlyList<JsonNode?> links = AsList(options?["link"]);
        IReadOnlyList<JsonNode?> errbacks = AsList(options?["link_error"]);
        if (links.Count == 0 && errbacks.Count == 0 && chainRest is not { Count: > 0 } && chord is null)
        {
            return default;
        }

        var embed = new JsonObject
        {
            ["callbacks"] = links.Count == 0 ? null : new JsonArray([.. links.Select(l => l?.DeepClone())]),
            ["errbacks"] = errbacks.Count == 0 ? null : new JsonArray([.. errbacks.Select(e => e?.DeepClone())]),
            ["chain"] = new JsonArray([.. (chainRest ?? []).Reverse().Select(s => s.DeepClone())]),
            ["chord"] = chord?.DeepClone(),
        };
        return System.Text.Encoding.UTF8.GetBytes(embed.ToJsonString());
    }
}
