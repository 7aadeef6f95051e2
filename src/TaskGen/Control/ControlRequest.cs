using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TaskGen.Control;

/// <summary>
/// A pidbox request as kombu writes it: <c>{"method", "arguments", "destination", "pattern", "matcher",
/// "ticket", "reply_to"}</c>. Reading one never throws: a request that is not what kombu sends is refused
/// with the reason, for the log.
/// </summary>
internal sealed class ControlRequest
{
    /// <summary>How long a <c>pcre</c> destination pattern may take to match a node name.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest destination pattern read; node names are short, and compiling a huge pattern costs.</summary>
    public const int MaxPatternLength = 1000;

    private ControlRequest(string method)
    {
        Method = method;
    }

    public string Method { get; }

    public JsonElement Arguments { get; private init; }

    public List<string>? Destination { get; private init; }

    public string? Pattern { get; private init; }

    public string? Matcher { get; private init; }

    public string? Ticket { get; private init; }

    public string? ReplyExchange { get; private init; }

    public string? ReplyRoutingKey { get; private init; }

    /// <summary>Reads a request, or says in <paramref name="reason"/> why it is not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ControlRequest? request, [NotNullWhen(false)] out string? reason)
    {
        request = null;

        // The JSON reader leaves invalid UTF-8 inside strings to be found when a string is read; check it all first.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            reason = "the body is not valid UTF-8.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            reason = "the body is not JSON: " + Diagnostics.LogText.Escape(ex.Message);
            return false;
        }

        using (document)
        {
            return TryRead(document.RootElement, out request, out reason);
        }
    }

    /// <summary>
    /// Kombu's rule for who answers: the destination list names the node, or else the pattern matches it, or
    /// neither is given. Says in <paramref name="reason"/> why the pattern cannot be used, when it cannot.
    /// </summary>
    public bool TryMatch(string nodeName, out bool isFor, [NotNullWhen(false)] out string? reason)
    {
        reason = null;
        if (Destination is { Count: > 0 })
        {
            isFor = Destination.Contains(nodeName, StringComparer.Ordinal);
            return true;
        }

        if (Pattern is null || Matcher is null)
        {
            isFor = true;
            return true;
        }

        isFor = false;
        if (Matcher == "glob")
        {
            isFor = Glob.IsMatch(Pattern, nodeName);
            return true;
        }

        try
        {
            isFor = new Regex(Pattern, RegexOptions.CultureInvariant, MatchTimeout).IsMatch(nodeName);
            return true;
        }
        catch (RegexMatchTimeoutException)
        {
            reason = $"the destination pattern took longer than {MatchTimeout.TotalMilliseconds} ms to match.";
            return false;
        }
        catch (ArgumentException ex)
        {
            reason = "the destination pattern is not a valid regular expression: " + Diagnostics.LogText.Escape(ex.Message);
            return false;
        }
    }

    /// <summary>The task ids of a <c>revoke</c>: one string or an array of strings.</summary>
    /// <exception cref="FormatException">The ids are neither.</exception>
    public IReadOnlyList<string> TaskIds()
    {
        if (Arguments.ValueKind != JsonValueKind.Object || !Arguments.TryGetProperty("task_id", out JsonElement id))
        {
            return [];
        }

        if (id.ValueKind == JsonValueKind.String)
        {
            return [id.GetString()!];
        }

        if (id.ValueKind == JsonValueKind.Array && id.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            return id.EnumerateArray().Select(e => e.GetString()!).ToList();
        }

        throw new FormatException("'task_id' must be a task id or an array of task ids.");
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out ControlRequest? request, [NotNullWhen(false)] out string? reason)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            reason = $"the body is a JSON {Kind(root)}, not an object.";
            return false;
        }

        if (!root.TryGetProperty("method", out JsonElement method) || method.ValueKind != JsonValueKind.String || method.GetString()!.Length == 0)
        {
            reason = "'method' is missing or not a non-empty string.";
            return false;
        }

        JsonElement arguments = Optional(root, "arguments");
        if (arguments.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            reason = $"'arguments' is a {Kind(arguments)}, not an object.";
            return false;
        }

        JsonElement destination = Optional(root, "destination");
        if (destination.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Array)
            || (destination.ValueKind == JsonValueKind.Array && destination.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String)))
        {
            reason = "'destination' is not an array of node names.";
            return false;
        }

        if (!TryString(root, "pattern", out string? pattern, out reason)
            || !TryString(root, "matcher", out string? matcher, out reason)
            || !TryString(root, "ticket", out string? ticket, out reason))
        {
            return false;
        }

        if (pattern is not null && matcher is not null)
        {
            if (matcher is not ("glob" or "pcre"))
            {
                reason = $"matcher '{Diagnostics.LogText.Escape(matcher)}' is not one kombu knows (glob or pcre).";
                return false;
            }

            if (pattern.Length > MaxPatternLength)
            {
                reason = $"the destination pattern is {pattern.Length} characters long; at most {MaxPatternLength} are read.";
                return false;
            }
        }

        string? replyExchange = null, replyRoutingKey = null;
        JsonElement replyTo = Optional(root, "reply_to");
        if (replyTo.ValueKind != JsonValueKind.Undefined)
        {
            if (replyTo.ValueKind != JsonValueKind.Object
                || !TryString(replyTo, "exchange", out replyExchange, out _) || replyExchange is null
                || !TryString(replyTo, "routing_key", out replyRoutingKey, out _) || replyRoutingKey is null)
            {
                reason = "'reply_to' is not an object with a string 'exchange' and 'routing_key'.";
                return false;
            }
        }

        request = new ControlRequest(method.GetString()!)
        {
            Arguments = arguments.ValueKind == JsonValueKind.Object ? arguments.Clone() : default,
            Destination = destination.ValueKind == JsonValueKind.Array ? destination.EnumerateArray().Select(d => d.GetString()!).ToList() : null,
            Pattern = pattern,
            Matcher = matcher,
            Ticket = ticket,
            ReplyExchange = replyExchange,
            ReplyRoutingKey = replyRoutingKey,
        };
        reason = null;
        return true;
    }

    /// <summary>A property's value, with JSON null read as absent, as kombu's <c>body.get(...)</c> does.</summary>
    private static JsonElement Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : default;

    private static bool TryString(JsonElement element, string name, out string? value, [NotNullWhen(false)] out string? reason)
    {
        JsonElement found = Optional(element, name);
        value = found.ValueKind == JsonValueKind.String ? found.GetString() : null;
        reason = found.ValueKind is JsonValueKind.Undefined or JsonValueKind.String ? null : $"'{name}' is a {Kind(found)}, not a string.";
        return reason is null;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
