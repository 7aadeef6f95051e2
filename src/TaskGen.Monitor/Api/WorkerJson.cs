using System;
using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Monitor.State;
using TaskGen.Transport;

namespace TaskGen.Monitor.Api;

/// <summary>
/// A worker as Flower's <c>/api/workers</c> writes it: the worker's own replies to each <c>inspect</c> method, verbatim,
/// plus the time they were refreshed. Any password in them is masked on the way out, whoever sent the reply.
/// </summary>
internal static class WorkerJson
{
    private const string Masked = "********";

    /// <summary>Writes the worker's <c>{method: reply, ..., "timestamp": t}</c> object.</summary>
    public static void Write(Utf8JsonWriter writer, WorkerRecord worker)
    {
        writer.WriteStartObject();
        foreach (string method in InspectPoller.Methods)
        {
            if (worker.Inspect.TryGetValue(method, out JsonElement reply))
            {
                writer.WritePropertyName(method);
                WriteRedacted(writer, reply, method == "stats" ? "stats" : null, depth: 0);
            }
        }

        if (worker.InspectedAt is { } timestamp)
        {
            writer.WriteNumber("timestamp", timestamp);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Copies a reply, masking what could carry a secret: a property named like a password, and the password part of
    /// any URL. Celery masks its own <c>conf</c>, TaskGen its <c>stats.broker.uri</c>; a worker that does not is still
    /// never shown with its password. Flower drops <c>stats.broker.alternates</c> (a list of full broker URLs); so does this.
    /// </summary>
    private static void WriteRedacted(Utf8JsonWriter writer, JsonElement element, string? path, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (path == "stats.broker" && property.NameEquals("alternates"))
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    if (IsSecretName(property.Name) && property.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array))
                    {
                        writer.WriteStringValue(Masked);
                    }
                    else
                    {
                        WriteRedacted(writer, property.Value, path is null || depth > 0 ? null : path + "." + property.Name, depth + 1);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (JsonElement item in element.EnumerateArray())
                {
                    WriteRedacted(writer, item, null, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                string text = element.GetString()!;
                writer.WriteStringValue(HasUrlCredentials(text) ? BrokerUrls.Redact(text) : text);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool IsSecretName(string name) =>
        name.Contains("password", StringComparison.OrdinalIgnoreCase) || name.Contains("passwd", StringComparison.OrdinalIgnoreCase)
        || name.Equals("secret", StringComparison.OrdinalIgnoreCase);

    private static bool HasUrlCredentials(string text)
    {
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0 && text.IndexOf('@', scheme) > 0;
    }

    /// <summary>The workers Flower's inspect cache would hold: those that answered at least one <c>inspect</c> method.</summary>
    public static List<WorkerRecord> Inspected(IReadOnlyList<WorkerRecord> workers)
    {
        var inspected = new List<WorkerRecord>(workers.Count);
        foreach (WorkerRecord worker in workers)
        {
            if (worker.Inspect.Count > 0)
            {
                inspected.Add(worker);
            }
        }

        return inspected;
    }
}
