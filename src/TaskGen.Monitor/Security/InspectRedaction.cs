using System;
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using TaskGen.Transport;

namespace TaskGen.Monitor.Security;

/// <summary>
/// Masks what could carry a secret in a worker's <c>inspect</c> reply, for the API and the pages alike: a property
/// named like a password, the password part of any URL, and <c>stats.broker.alternates</c>. Celery masks its own
/// <c>conf</c>, TaskGen its <c>stats.broker.uri</c>; a worker that does not is still never shown with its password.
/// </summary>
internal static class InspectRedaction
{
    private const string Masked = "********";

    /// <summary>Writes <paramref name="reply"/> to <paramref name="writer"/> with its secrets masked.</summary>
    /// <param name="writer">Where the reply is written.</param>
    /// <param name="reply">The worker's reply, verbatim.</param>
    /// <param name="method">The inspect method that produced it (<c>stats</c> drops its broker's alternates).</param>
    public static void Write(Utf8JsonWriter writer, JsonElement reply, string method) =>
        WriteRedacted(writer, reply, method == "stats" ? "stats" : null, depth: 0);

    /// <summary>A copy of <paramref name="reply"/> with its secrets masked, for code that reads rather than writes it.</summary>
    /// <param name="reply">The worker's reply, verbatim.</param>
    /// <param name="method">The inspect method that produced it.</param>
    public static JsonElement Redact(JsonElement reply, string method)
    {
        var buffer = new ArrayBufferWriter<byte>();

        // Relaxed escaping keeps the reply's text as the worker wrote it ('<' stays '<'): a reader shows nested
        // values as raw JSON, and the pages HTML-encode whatever they show.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, reply, method);
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteRedacted(Utf8JsonWriter writer, JsonElement element, string? path, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    // Flower drops stats.broker.alternates (a list of full broker URLs); so does this.
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
}
