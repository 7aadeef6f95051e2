using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// What a pending result asks of the app that sent its task while it waits: how long any result is kept, why one
/// may be missing, and whether its id can be let go and watched again. Built by the app from its backend and
/// transport, so a result knows these parts and never the app.
/// </summary>
internal sealed class ResultWaits(IResultBackend? backend, TimeSpan resultExpires, ITransport transport)
{
    /// <summary>How long a result is kept; a wait without a timeout ends after this.</summary>
    public TimeSpan ResultExpires => resultExpires;

    /// <summary>Explains why a result may be missing (the queue it went to has no consumer), or returns empty text.</summary>
    public async Task<string> ExplainMissingResultAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            (uint Messages, uint Consumers)? state = await transport.InspectQueueAsync(queue, cancellationToken).ConfigureAwait(false);
            return state switch
            {
                null => $" Queue '{queue}' does not exist.",
                { Consumers: 0 } s => $" Queue '{queue}' has no consumers ({s.Messages} message(s) waiting): start a worker bound to it (worker -Q {queue}).",
                _ => string.Empty,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// Stops watching for a result whose last wait ended without it, and says whether it did: only a backend that
    /// reads by id can, since it can watch the id again for a later wait.
    /// </summary>
    public bool StopWatching(IResultSink result)
    {
        if (backend is not { ReadsById: true } byId)
        {
            return false;
        }

        byId.Release(result);
        return true;
    }

    /// <summary>Watches again, by id, for a result that <see cref="StopWatching"/> let go.</summary>
    public void WatchAgain(IResultSink result)
    {
        if (backend is { ReadsById: true } byId)
        {
            byId.Join(result);
        }
    }
}
