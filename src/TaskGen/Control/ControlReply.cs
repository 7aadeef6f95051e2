using System.Text.Json;

namespace TaskGen.Control;

/// <summary>One node's answer to a remote-control request.</summary>
/// <param name="Node">The node name, <c>name@host</c>.</param>
/// <param name="Reply">The reply value, e.g. <c>{"ok": "pong"}</c> for <c>ping</c>.</param>
public sealed record ControlReply(string Node, JsonElement Reply)
{
    /// <summary>The error the node reported (<c>{"error": "..."}</c>), or null when the command worked.</summary>
    public string? Error =>
        Reply.ValueKind == JsonValueKind.Object && Reply.TryGetProperty("error", out JsonElement error) ? error.ToString() : null;
}
