namespace TaskGen.Monitor.Security;

/// <summary>
/// Endpoint metadata that tells the security rules what an endpoint is: an <see cref="Action"/> (changes something:
/// read-only mode, the actions policy and the cross-site checks apply) or <see cref="Open"/> (no credentials needed,
/// as the health check). Pages add <c>.WithMetadata(MonitorEndpoint.Action)</c> to their own POST endpoints.
/// </summary>
internal sealed class MonitorEndpoint
{
    /// <summary>Marks an endpoint that acts: revoke, rate limit, apply, shutdown, replay, ...</summary>
    public static readonly MonitorEndpoint Action = new("action");

    /// <summary>Marks an endpoint served without credentials (it tells nothing): the health check.</summary>
    public static readonly MonitorEndpoint Open = new("open");

    private MonitorEndpoint(string kind) => Kind = kind;

    /// <summary>What the endpoint is, for diagnostics.</summary>
    public string Kind { get; }

    /// <inheritdoc />
    public override string ToString() => Kind;
}
