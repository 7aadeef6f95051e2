using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Worker;

/// <summary>
/// Starts a Celery signature dict of any kind (a task, a group, a chain or a chord) the way Celery's
/// <c>apply_async</c> would, as a list of steps for the worker to carry out in order: messages to send, and
/// chord sizes to set before the last header message goes out. Links, chain steps, errbacks and chord bodies
/// all start here, so a canvas Python built runs the same whether its next step lands on a Python or a TaskGen worker.
/// </summary>
internal static partial class CanvasDispatch
{
    /// <summary>
    /// One thing to do, in order: send <see cref="Send"/>, or set the size of chord <see cref="ChordGroupId"/>, whose
    /// body <see cref="ChordBody"/> fails when the size cannot be set.
    /// </summary>
    internal sealed record Step(Workflow.FollowUp? Send, string? ChordGroupId, int ChordSize, JsonNode? ChordBody = null);

    /// <summary>Who starts the signature: the finished task's id and root, and the worker's node name.</summary>
    internal readonly record struct Origin(string ParentId, string RootId, string Node);

    // Where a signature starts: in a group (its id and the member's place), under a chord (the body the
    // group's parts join into, and its size, which each header message carries), and ahead of the chain steps that follow it.
    private readonly record struct Place(string? GroupId, int? GroupIndex, JsonNode? Chord, IReadOnlyList<JsonNode>? ChainRest, int? ChordSize = null);

    /// <summary>Starts <paramref name="signature"/> with <paramref name="prepend"/> (a JSON value, or null) as its first argument.</summary>
    /// <exception cref="FormatException">The signature is not what Celery writes.</exception>
    public static List<Step> Start(JsonNode? signature, string? prepend, Origin origin)
    {
        var steps = new List<Step>();
        Start(signature, prepend, default, origin, steps);
        return steps;
    }

    /// <summary>Parses and starts a signature given as JSON text.</summary>
    /// <exception cref="FormatException">The text is not a signature Celery writes.</exception>
    public static List<Step> Start(string signatureJson, string? prepend, Origin origin)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(signatureJson);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The signature is not JSON: {ex.Message}", ex);
        }

        return Start(node, prepend, origin);
    }

    /// <summary>
    /// How many parts a chord waits for when <paramref name="signature"/> is one member of its header, by Celery's
    /// <c>chord._descend</c>: each member of a nested group counts, a chain counts its last element that counts, a chord counts its body.
    /// </summary>
    public static int Descend(JsonNode? signature)
    {
        switch (signature)
        {
            case JsonArray list:
                // Celery counts any other iterable by its length.
                return list.Count;
            case JsonObject sig:
                switch (SubtaskType(sig))
                {
                    case "group":
                        return Members(sig, "tasks").Sum(Descend);
                    case "chain":
                        IReadOnlyList<JsonNode?> steps = Members(sig, "tasks");
                        for (int i = steps.Count - 1; i >= 0; i--)
                        {
                            int size = Descend(steps[i]);
                            if (size > 0)
                            {
                                return size;
                            }
                        }

                        return 0;
                    case "chord":
                        return Descend(Kwargs(sig)?["body"]);
                    default:
                        return 1;
                }

            default:
                return 0;
        }
    }

    /// <summary>The id a chord body's result is stored under (its <c>options.task_id</c>), or null when it has none.</summary>
    public static string? TaskId(JsonNode? signature) => signature is JsonObject sig ? Option(sig["options"] as JsonObject, "task_id") : null;

    /// <summary>The errbacks (<c>options.link_error</c>) a signature carries, as a list.</summary>
    public static IReadOnlyList<JsonNode?> ErrorCallbacks(JsonNode? signature) =>
        signature is JsonObject sig && sig["options"] is JsonObject options ? AsList(options["link_error"]) : [];

    private static void Start(JsonNode? node, string? prepend, Place place, Origin origin, List<Step> steps)
    {
        if (node is not JsonObject sig)
        {
            throw new FormatException($"A signature is a JSON object, not {Kind(node)}.");
        }

        switch (SubtaskType(sig))
        {
            case null:
                StartTask(sig, prepend, place, origin, steps);
                break;
            case "chain":
                StartChain(sig, prepend, place, origin, steps);
                break;
            case "group":
                StartGroup(sig, prepend, place, origin, steps);
                break;
            case "chord":
                StartChord(sig, prepend, place, origin, steps);
                break;
            case string other:
                throw new FormatException($"A signature of subtask_type '{other}' is not one Celery's canvas writes (group, chain, chord).");
        }
    }

    private static void StartTask(JsonObject sig, string? prepend, Place place, Origin origin, List<Step> steps)
    {
        if (sig["task"] is not JsonValue taskValue || !taskValue.TryGetValue(out string? name) || string.IsNullOrEmpty(name))
        {
            throw new FormatException("A signature has no task name.");
        }

        JsonObject? options = sig["options"] as JsonObject;
        bool immutable = sig["immutable"] is JsonValue im && im.TryGetValue(out bool isImmutable) && isImmutable;
        string args = sig["args"] is JsonArray a ? a.ToJsonString() : "[]";
        if (prepend is not null && !immutable)
        {
            args = args.Length <= 2 ? $"[{prepend}]" : $"[{prepend}, {args[1..]}";
        }

        string kwargs = sig["kwargs"] is JsonObject k ? k.ToJsonString() : "{}";
        string? queue = Option(options, "queue");
        JsonNode? chord = place.Chord ?? (options?["chord"] is JsonObject c ? c : null);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        // As Celery's send_task reads them: a countdown wins over an eta, and expires is seconds from now or a moment.
        DateTimeOffset? eta = Seconds(options, "countdown") is { } countdown ? now + countdown : Moment(options, "eta");
        DateTimeOffset? expires = Seconds(options, "expires") is { } expiresIn ? now + expiresIn : Moment(options, "expires");
        var envelope = new TaskEnvelope
        {
            Id = Option(options, "task_id") ?? Guid.NewGuid().ToString(),
            Name = name,
            Arguments = RawJsonArguments.FromWorker(args, kwargs),
            Exchange = Option(options, "exchange") ?? string.Empty,
            RoutingKey = Option(options, "routing_key") ?? queue ?? string.Empty,
            ReplyTo = Option(options, "reply_to"),
            Priority = options?["priority"] is JsonValue p && p.TryGetValue(out int priority) && priority is >= 0 and <= 255 ? (byte)priority : (byte)0,
            Eta = eta,
            Expires = expires,
            TimeLimit = (Seconds(options, "time_limit"), Seconds(options, "soft_time_limit")),
            IgnoreResult = options?["ignore_result"] is JsonValue ir && ir.TryGetValue(out bool ignoreResult) && ignoreResult,
            RootId = origin.RootId,
            ParentId = origin.ParentId,
            Origin = origin.Node,
            Group = place.GroupId ?? Option(options, "group_id"),
            GroupIndex = place.GroupIndex ?? (options?["group_index"] is JsonValue gi && gi.TryGetValue(out int index) ? index : null),
            Embed = Embed(options, place.ChainRest, chord),
            ExtraHeaders = place is { GroupId: not null, Chord: not null, ChordSize: { } chordSize }
                ? new Dictionary<string, object?>(StringComparer.Ordinal) { [TaskRequest.ChordSizeHeader] = chordSize }
                : null,
        };
        steps.Add(new Step(new Workflow.FollowUp(envelope, queue), null, 0));
    }

    private static void StartChain(JsonObject sig, string? prepend, Place place, Origin origin, List<Step> steps)
    {
        // A chain that is a nested chord's body was marked with the outer chord's place when the chord started, and is
        // started later, from the inner chord's last part, with nothing else to say where it counts.
        place = OwnPlace(sig, place);
        var tasks = Members(sig, "tasks").Select(t => t?.DeepClone()).Where(t => t is not null).Select(t => t!).ToList();
        if (tasks.Count == 0)
        {
            return;
        }

        // Celery puts a chain's group and chord on its last step, which is the one whose return counts for the chord.
        if (place.GroupId is not null || place.Chord is not null)
        {
            Mark(tasks[^1], place);
        }

        if (sig["options"] is JsonObject options)
        {
            // A chain's link runs after its last step, its link_error after any step that fails.
            foreach (JsonNode? link in AsList(options["link"]))
            {
                AddTo(tasks[^1], "link", link);
            }

            foreach (JsonNode? errback in AsList(options["link_error"]))
            {
                tasks.ForEach(t => AddTo(t, "link_error", errback));
            }
        }

        var rest = new List<JsonNode>(tasks.Skip(1));
        if (place.ChainRest is { } outer)
        {
            rest.AddRange(outer);
        }

        Start(tasks[0], prepend, place with { GroupId = null, GroupIndex = null, Chord = null, ChainRest = rest, ChordSize = null }, origin, steps);
    }

    private static void StartGroup(JsonObject sig, string? prepend, Place place, Origin origin, List<Step> steps)
    {
        if (place.ChainRest is { Count: > 0 } rest)
        {
            // A group followed by more steps is a chord whose body is the rest, as Celery upgrades it.
            var chord = new JsonObject
            {
                ["task"] = "celery.chord",
                ["args"] = new JsonArray(),
                ["kwargs"] = new JsonObject { ["kwargs"] = new JsonObject(), ["header"] = sig.DeepClone(), ["body"] = ChainOf(rest) },
                ["options"] = new JsonObject(),
                ["subtask_type"] = "chord",
                ["immutable"] = false,
            };
            StartChord(chord, prepend, place with { ChainRest = null }, origin, steps);
            return;
        }

        // Only a chord's own header sets the chord's size; a group marked as a part of an outer chord (a nested chord's
        // body) counts toward that chord, under its group id as Celery freezes it, and leaves its size alone.
        bool header = place.Chord is not null;
        place = OwnPlace(sig, place);

        // Celery unrolls nested groups into one, each member under the outer group's id.
        var members = new List<JsonNode>();
        Unroll(sig, members);
        string groupId = Option(sig["options"] as JsonObject, "task_id") ?? place.GroupId ?? Guid.NewGuid().ToString();
        if (members.Count == 0 && header)
        {
            // A chord over nothing calls its body at once with an empty list.
            Start(place.Chord, "[]", default, origin, steps);
            return;
        }

        int? chordSize = place.Chord is null ? null : members.Sum(Descend);
        int size = 0;
        for (int i = 0; i < members.Count; i++)
        {
            size += Descend(members[i]);
            if (header && i == members.Count - 1)
            {
                // Set before the last header message, as Celery does, so that the last part to return finds it.
                steps.Add(new Step(null, groupId, size, place.Chord));
            }

            Start(members[i], prepend, new Place(groupId, i, place.Chord, null, chordSize), origin, steps);
        }
    }

    private static void StartChord(JsonObject sig, string? prepend, Place place, Origin origin, List<Step> steps)
    {
        JsonObject? kwargs = Kwargs(sig);
        JsonNode body = kwargs?["body"]?.DeepClone() ?? throw new FormatException("A chord signature has no body.");
        JsonNode? header = kwargs["header"];
        if (body is not JsonObject bodySig)
        {
            throw new FormatException("A chord's body is not a signature.");
        }

        if (place.ChainRest is { Count: > 0 } rest)
        {
            bodySig = ChainOf([bodySig, .. rest]);
        }

        if (place.GroupId is not null || place.Chord is not null)
        {
            // A chord inside another chord's header returns, through its body, as one part of the outer chord.
            Mark(bodySig, place);
        }

        // The body's id is fixed now so that whoever waits for the chord can find its result.
        if (SubtaskType(bodySig) is null)
        {
            Options(bodySig)["task_id"] ??= Guid.NewGuid().ToString();
        }

        bool immutable = sig["immutable"] is JsonValue im && im.TryGetValue(out bool isImmutable) && isImmutable;
        JsonObject group = header switch
        {
            JsonObject { } one when SubtaskType(one) == "group" => (JsonObject)one.DeepClone(),
            JsonObject one => GroupOf([one.DeepClone()]),
            JsonArray many => GroupOf([.. many.Select(m => m?.DeepClone()).Where(m => m is not null).Select(m => m!)]),
            _ => GroupOf([]),
        };
        Start(group, immutable ? null : prepend, new Place(null, null, bodySig, null), origin, steps);
    }

    // Celery's _freeze_unroll: a stack whose nested groups are pushed back on its left one member at a time, which
    // reverses each nested group's members. The group_index order (and so the order a chord's body sees) must be Celery's.
    private static void Unroll(JsonObject group, List<JsonNode> members)
    {
        var stack = new LinkedList<JsonNode?>(Members(group, "tasks"));
        while (stack.First is { } first)
        {
            stack.RemoveFirst();
            if (first.Value is JsonObject inner && SubtaskType(inner) == "group")
            {
                foreach (JsonNode? member in Members(inner, "tasks"))
                {
                    stack.AddFirst(member);
                }
            }
            else if (first.Value is not null)
            {
                members.Add(first.Value);
            }
        }
    }
}
