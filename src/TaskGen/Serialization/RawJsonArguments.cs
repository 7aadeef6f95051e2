using System;
using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// Arguments given as JSON text rather than typed values, for calls by task name (the <c>call</c>
/// command, tools, tasks of other languages without a stub).
/// </summary>
public sealed class RawJsonArguments : TaskArguments
{
    private readonly string _args;
    private readonly string _kwargs;

    /// <summary>Creates the arguments, checking that each part is the right kind of JSON value.</summary>
    /// <param name="args">A JSON array of positional arguments; null or empty for none.</param>
    /// <param name="kwargs">A JSON object of keyword arguments; null or empty for none.</param>
    /// <exception cref="ArgumentException">A part is not valid JSON of the right kind.</exception>
    public RawJsonArguments(string? args, string? kwargs = null)
    {
        _args = Check(string.IsNullOrWhiteSpace(args) ? "[]" : args, JsonValueKind.Array, nameof(args));
        _kwargs = Check(string.IsNullOrWhiteSpace(kwargs) ? "{}" : kwargs, JsonValueKind.Object, nameof(kwargs));
    }

    /// <inheritdoc />
    public override void WriteArgs(Utf8JsonWriter writer) => writer.WriteRawValue(_args);

    /// <inheritdoc />
    public override void WriteKwargs(Utf8JsonWriter writer) => writer.WriteRawValue(_kwargs);

    private static string Check(string json, JsonValueKind kind, string name)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == kind
                ? json
                : throw new ArgumentException($"Expected a JSON {(kind == JsonValueKind.Array ? "array" : "object")}, got {document.RootElement.ValueKind}: {json}", name);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Not valid JSON ({ex.Message}): {json}", name, ex);
        }
    }
}
