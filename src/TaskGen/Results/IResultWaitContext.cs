using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Results;

/// <summary>
/// What a pending result asks of the app that sent its task while it waits: how long any result is kept,
/// and why one may be missing. A result knows this seam, not the app type.
/// </summary>
internal interface IResultWaitContext
{
    /// <summary>How long a result is kept; a wait without a timeout ends after this.</summary>
    TimeSpan ResultExpires { get; }

    /// <summary>Explains why a result may be missing (the queue it went to has no consumer), or returns empty text.</summary>
    Task<string> ExplainMissingResultAsync(string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Stops watching for a result whose last wait ended without it, and says whether it did: only a backend that
    /// reads by id can, since it can watch the id again for a later wait.
    /// </summary>
    bool StopWatching(IResultSink result);

    /// <summary>Watches again, by id, for a result that <see cref="StopWatching"/> let go.</summary>
    void WatchAgain(IResultSink result);
}
