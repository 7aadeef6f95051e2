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
    private readonly bool _trusted;

    /// <summary>Creates the arguments, checking that each part is the right kind of JSON value.</summary>
    /// <param name="args">A JSON array of positional arguments; null or empty for none.</param>
    /// <param name="kwargs">A JSON object of keyword arguments; null or empty for none.</param>
    /// <exception cref="ArgumentException">A part is not valid JSON of the right kind.</exception>
    public RawJsonArguments(string? args, string? kwargs = null)
    {
        _args = Check(string.IsNullOrWhiteSpace(args) ? "[]" : args, JsonValueKind.Array, nameof(args));
        _kwargs = Check(string.IsNullOrWhiteSpace(kwargs) ? "{}" : kwargs, JsonValueKind.Object, nameof(kwargs));
    }

    private RawJsonArguments(string args, string kwargs, bool trusted)
    {
        _args = args;
        _kwargs = kwargs;
        _trusted = trusted;
    }

    /// <inheritdoc />
    public override void WriteArgs(Utf8JsonWriter writer) => writer.WriteRawValue(_args, skipInputValidation: _trusted);

    /// <inheritdoc />
    public override void WriteKwargs(Utf8JsonWriter writer) => writer.WriteRawValue(_kwargs, skipInputValidation: _trusted);

    /// <summary>
    /// Arguments a worker built itself from a result it encoded and a signature it parsed: they may hold
    /// Python's <c>NaN</c>/<c>Infinity</c> literals, which the wire accepts (kombu writes them too) but strict
    /// JSON validation refuses, so they are passed through unchecked.
    /// </summary>
    internal static RawJsonArguments FromWorker(string args, string kwargs) => new(args, kwargs, trusted: true);

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
