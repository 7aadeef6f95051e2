using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Results;

/// <summary>
/// What the worker half of a durable result backend may also do: record, before a schedule tick's task runs, that its
/// tick has been run, so that a second message of the same tick (the same task id) is refused instead of run again.
/// Backends that keep nothing by id (<c>rpc://</c>, <c>none</c>) do not implement it, and their workers run every tick.
/// </summary>
internal interface ITickClaims
{
    /// <summary>Claims the run of a tick's task; false when the tick was claimed before, by any worker on the backend.</summary>
    /// <param name="taskId">The tick's task id (derived from the entry and the tick time, so equal for every copy).</param>
    /// <param name="tick">The tick's <c>taskgen_tick</c> header value (<c>entry|time</c>), kept as the claim's value.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    ValueTask<bool> ClaimAsync(string taskId, string tick, CancellationToken cancellationToken);
}
