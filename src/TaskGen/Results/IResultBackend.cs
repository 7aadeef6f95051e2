using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Results;

/// <summary>
/// The client's half of a result backend: it hears the states of the tasks an app waits for and hands them
/// to their <see cref="IResultSink"/>s, whichever way they travel (a reply queue, a key and its channel).
/// </summary>
internal interface IResultBackend : IAsyncDisposable
{
    /// <summary>The queue a task's <c>reply_to</c> names, or null when results are stored by id and tasks carry none.</summary>
    string? ReplyQueue { get; }

    /// <summary>Whether a result can be read by id by any process, not only the one that sent the task.</summary>
    bool ReadsById { get; }

    /// <summary>How many results are awaited now.</summary>
    int PendingCount { get; }

    /// <summary>Starts waiting for the states of one task.</summary>
    /// <exception cref="InvalidOperationException">A result for the same task id is already awaited here.</exception>
    void Register(IResultSink sink);

    /// <summary>Starts waiting for a task by id alone, sharing the wait when this app already awaits the id.</summary>
    /// <exception cref="NotSupportedException">The backend cannot read results by id (<see cref="ReadsById"/> is false).</exception>
    void Join(IResultSink sink);

    /// <summary>Stops waiting for a task whose send failed.</summary>
    void Unregister(string taskId);

    /// <summary>Stops feeding one sink, a broadcast whose collection is over; others waiting for the same id go on.</summary>
    void Release(IResultSink sink);

    /// <summary>Makes sure results can be received before a task that asks for one is sent.</summary>
    ValueTask EnsureStartedAsync(CancellationToken cancellationToken);
}
