using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskGen.Cli;

/// <summary>Source-generated JSON contracts for what the command line prints, so that printing needs no reflection.</summary>
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class CommandJson : JsonSerializerContext
{
    /// <summary>The same contracts, writing indented JSON for people to read.</summary>
    public static CommandJson Indented { get; } = new(new JsonSerializerOptions { WriteIndented = true });
}
