using System;
using System.Collections.Generic;
using System.Threading;

namespace TaskGen.Results;

/// <summary>
/// A result backend that can list the results it keeps, newest first: how a monitor that starts after tasks finished
/// (or restarts) finds them again. Only backends that store results by id offer it (Redis, not <c>rpc://</c>).
/// </summary>
internal interface IResultHistory
{
    /// <summary>
    /// Reads at most <paramref name="max"/> stored results, the newest by <c>date_done</c> first; the backend's whole
    /// store is walked in bounded steps, and never more than <paramref name="max"/> results are held at once.
    /// </summary>
    /// <param name="max">The most results to return.</param>
    /// <param name="maxFieldLength">
    /// The most characters kept of a result, its arguments or its traceback, cut while reading so that the results held
    /// meanwhile stay small; a cut field ends with <c>…</c>. A backend may keep less (it has a ceiling of its own).
    /// </param>
    /// <param name="cancellationToken">Stops the reading.</param>
    IAsyncEnumerable<StoredResult> ReadRecentAsync(int max, int maxFieldLength, CancellationToken cancellationToken);
}

/// <summary>
/// One result as Celery's backends store it (<c>celery-task-meta-&lt;id&gt;</c>), with the fields of Celery's
/// <c>result_extended</c> when the writer stored them.
/// </summary>
/// <param name="TaskId">The task id.</param>
/// <param name="State">Celery's state name (<c>SUCCESS</c>, <c>FAILURE</c>, <c>REVOKED</c>, ...).</param>
/// <param name="Result">The <c>result</c> member as JSON text (the value, or a failure's <c>exc_type</c> object); null when absent.</param>
/// <param name="Traceback">The traceback of a failure, or null.</param>
/// <param name="DateDone">When the state was stored, or null when the writer gave no readable <c>date_done</c>.</param>
internal sealed record StoredResult(string TaskId, string State, string? Result, string? Traceback, DateTimeOffset? DateDone)
{
    /// <summary>The task name (<c>result_extended</c>), or null.</summary>
    public string? Name { get; init; }

    /// <summary>The positional arguments as JSON text (<c>result_extended</c>), or null.</summary>
    public string? Args { get; init; }

    /// <summary>The keyword arguments as JSON text (<c>result_extended</c>), or null.</summary>
    public string? Kwargs { get; init; }

    /// <summary>The worker that ran it (<c>result_extended</c>), or null.</summary>
    public string? Worker { get; init; }

    /// <summary>How many times it was retried (<c>result_extended</c>), or null.</summary>
    public int? Retries { get; init; }

    /// <summary>The queue it was delivered from (<c>result_extended</c>), or null.</summary>
    public string? Queue { get; init; }
}
