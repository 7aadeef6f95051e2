using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// Reads what the pages show from a worker's raw <c>inspect</c> replies. The replies come from any worker on the
/// broker, so every value is checked for its kind and a surprise reads as absent.
/// </summary>
internal static class InspectReading
{
    /// <summary>The pool's implementation, short (<c>prefork</c>, <c>threads</c>), from <c>stats</c>.</summary>
    public static string? Pool(WorkerRecord worker)
    {
        if (Object(worker, "stats") is not { } stats || !stats.TryGetProperty("pool", out JsonElement pool) || pool.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? implementation = pool.TryGetProperty("implementation", out JsonElement name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;

        // Celery names the class (celery.concurrency.prefork:TaskPool); the module says which pool it is.
        if (implementation is not null && implementation.Contains(':', System.StringComparison.Ordinal))
        {
            string module = implementation[..implementation.IndexOf(':', System.StringComparison.Ordinal)];
            implementation = module[(module.LastIndexOf('.') + 1)..];
        }

        return implementation;
    }

    /// <summary>The pool's concurrency (<c>max-concurrency</c>) from <c>stats</c>.</summary>
    public static string? Concurrency(WorkerRecord worker) =>
        Object(worker, "stats") is { } stats && stats.TryGetProperty("pool", out JsonElement pool) && pool.ValueKind == JsonValueKind.Object
            && pool.TryGetProperty("max-concurrency", out JsonElement max) && max.ValueKind == JsonValueKind.Number
            ? max.GetRawText()
            : null;

    /// <summary>The names of the queues the worker consumes, from <c>active_queues</c>.</summary>
    public static List<string> Queues(WorkerRecord worker)
    {
        var names = new List<string>();
        foreach (JsonElement queue in Array(worker, "active_queues"))
        {
            if (queue.ValueKind == JsonValueKind.Object && queue.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String)
            {
                names.Add(name.GetString()!);
            }
        }

        return names;
    }

    /// <summary>The task names the worker has registered, from <c>registered</c>.</summary>
    public static List<string> Registered(WorkerRecord worker)
    {
        var names = new List<string>();
        foreach (JsonElement item in Array(worker, "registered"))
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                names.Add(item.GetString()!);
            }
        }

        return names;
    }

    /// <summary>
    /// The tasks in an <c>active</c>, <c>reserved</c> or <c>scheduled</c> reply: id, name, arguments and, for scheduled
    /// ones, the eta (Celery nests their request under <c>request</c>).
    /// </summary>
    public static List<(string? Id, string? Name, string? Args, string? Eta)> Requests(WorkerRecord worker, string method)
    {
        var found = new List<(string?, string?, string?, string?)>();
        foreach (JsonElement item in Array(worker, method))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            string? eta = String(item, "eta");
            JsonElement request = item.TryGetProperty("request", out JsonElement inner) && inner.ValueKind == JsonValueKind.Object ? inner : item;
            string? args = request.TryGetProperty("args", out JsonElement a) ? (a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText()) : null;
            found.Add((String(request, "id"), String(request, "name") ?? String(request, "type"), args, eta));
        }

        return found;
    }

    /// <summary>The <c>stats</c> reply's top-level scalar fields and one level of objects, as name/value text, for the worker page, with secrets masked as in the API.</summary>
    public static List<(string Name, string Value)> Stats(WorkerRecord worker)
    {
        var rows = new List<(string, string)>();
        if (Object(worker, "stats") is not { } reply)
        {
            return rows;
        }

        // The page shows what /api/workers shows: the same masking, so no password reaches either.
        JsonElement stats = InspectRedaction.Redact(reply, "stats");

        foreach (JsonProperty property in stats.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty inner in property.Value.EnumerateObject())
                {
                    rows.Add((property.Name + "." + inner.Name, Scalar(inner.Value)));
                }
            }
            else
            {
                rows.Add((property.Name, Scalar(property.Value)));
            }
        }

        return rows;
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.TryGetDouble(out double d) ? d.ToString("0.######", CultureInfo.InvariantCulture) : value.GetRawText(),
        _ => Html.Short(value.GetRawText(), 300)!,
    };

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? Object(WorkerRecord worker, string method) =>
        worker.Inspect.TryGetValue(method, out JsonElement reply) && reply.ValueKind == JsonValueKind.Object ? reply : null;

    private static IEnumerable<JsonElement> Array(WorkerRecord worker, string method) =>
        worker.Inspect.TryGetValue(method, out JsonElement reply) && reply.ValueKind == JsonValueKind.Array ? reply.EnumerateArray() : [];
}
