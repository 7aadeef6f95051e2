using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using TaskGen.Worker;

namespace TaskGen.Monitor.Apply;

/// <summary>
/// The apply form's fields, one per argument of a task's compiled signature (a number box for an <c>int</c>, a check
/// box for a <c>bool</c>, JSON text for a list or a record), and the reading of a posted form back into the task's
/// keyword arguments, checked field by field so a mistake names its field rather than failing on the worker.
/// </summary>
internal static class ArgumentForm
{
    /// <summary>The prefix of every argument field's name, so arguments cannot collide with the form's own fields.</summary>
    public const string FieldPrefix = "arg.";

    /// <summary>Writes the fields of <paramref name="signature"/> as HTML, every text encoded.</summary>
    public static string Render(TaskSignatureInfo signature)
    {
        var html = new StringBuilder();
        foreach (TaskArgumentInfo argument in signature.Arguments)
        {
            string id = "arg-" + Encode(argument.Name);
            string name = Encode(FieldPrefix + argument.Name);
            string hint = Encode(argument.Type) + (argument.DefaultValue is { } value ? ", default " + Encode(value) : string.Empty);
            html.Append("<div class=\"field\"><label for=\"").Append(id).Append("\">").Append(Encode(argument.Name))
                .Append(" <span class=\"type\">").Append(hint).Append("</span></label>");
            string required = argument.DefaultValue is null && !argument.Nullable ? " required" : string.Empty;
            switch (argument.JsonKind)
            {
                case "boolean":
                    html.Append("<input type=\"checkbox\" id=\"").Append(id).Append("\" name=\"").Append(name).Append("\" value=\"true\"")
                        .Append(argument.DefaultValue == "true" ? " checked" : string.Empty).Append('>');
                    break;
                case "integer":
                    html.Append("<input type=\"number\" step=\"1\" id=\"").Append(id).Append("\" name=\"").Append(name).Append('"').Append(required).Append('>');
                    break;
                case "number":
                    html.Append("<input type=\"number\" step=\"any\" id=\"").Append(id).Append("\" name=\"").Append(name).Append('"').Append(required).Append('>');
                    break;
                case "array" or "object":
                    html.Append("<textarea id=\"").Append(id).Append("\" name=\"").Append(name).Append("\" rows=\"3\" placeholder=\"")
                        .Append(argument.JsonKind == "array" ? "[ ... ] (JSON)" : "{ ... } (JSON)").Append('"').Append(required).Append("></textarea>");
                    break;
                default:
                    html.Append("<input type=\"text\" id=\"").Append(id).Append("\" name=\"").Append(name).Append('"').Append(required).Append('>');
                    break;
            }

            html.Append("</div>");
        }

        return html.ToString();
    }

    /// <summary>
    /// Reads the posted fields into a JSON object of keyword arguments: an empty optional field is left out (the
    /// task's default applies), an empty nullable one is null; every problem is reported, one per field.
    /// </summary>
    /// <param name="signature">The task's signature.</param>
    /// <param name="fields">The posted form fields by name.</param>
    /// <param name="kwargsJson">The keyword arguments as JSON, when there are no problems.</param>
    /// <returns>The problems, empty when the form is valid.</returns>
    public static IReadOnlyList<string> Read(TaskSignatureInfo signature, IReadOnlyDictionary<string, string?> fields, out string kwargsJson)
    {
        var problems = new List<string>();
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (TaskArgumentInfo argument in signature.Arguments)
            {
                string? text = fields.TryGetValue(FieldPrefix + argument.Name, out string? posted) ? posted?.Trim() : null;
                if (argument.JsonKind == "boolean")
                {
                    writer.WriteBoolean(argument.Name, text is "true" or "on");
                    continue;
                }

                if (string.IsNullOrEmpty(text))
                {
                    if (argument.DefaultValue is not null)
                    {
                        continue;
                    }

                    if (argument.Nullable)
                    {
                        writer.WriteNull(argument.Name);
                        continue;
                    }

                    problems.Add($"{argument.Name}: a value is required ({argument.Type}).");
                    continue;
                }

                string? problem = WriteValue(writer, argument, text);
                if (problem is not null)
                {
                    problems.Add($"{argument.Name}: {problem}");
                }
            }

            writer.WriteEndObject();
        }

        kwargsJson = problems.Count == 0 ? Encoding.UTF8.GetString(buffer.WrittenSpan) : "{}";
        return problems;
    }

    private static string? WriteValue(Utf8JsonWriter writer, TaskArgumentInfo argument, string text)
    {
        switch (argument.JsonKind)
        {
            case "integer":
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole))
                {
                    return $"'{text}' is not a whole number ({argument.Type}).";
                }

                writer.WriteNumber(argument.Name, whole);
                return null;
            case "number":
                if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal number))
                {
                    return $"'{text}' is not a number ({argument.Type}).";
                }

                writer.WriteNumber(argument.Name, number);
                return null;
            case "array" or "object":
                try
                {
                    using JsonDocument document = JsonDocument.Parse(text);
                    JsonValueKind expected = argument.JsonKind == "array" ? JsonValueKind.Array : JsonValueKind.Object;
                    if (document.RootElement.ValueKind != expected && !(argument.Nullable && document.RootElement.ValueKind == JsonValueKind.Null))
                    {
                        return $"expected a JSON {argument.JsonKind} ({argument.Type}).";
                    }

                    writer.WritePropertyName(argument.Name);
                    document.RootElement.WriteTo(writer);
                    return null;
                }
                catch (JsonException ex)
                {
                    return $"not valid JSON ({ex.Message.Split('.')[0]}).";
                }

            default:
                writer.WriteString(argument.Name, text);
                return null;
        }
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
