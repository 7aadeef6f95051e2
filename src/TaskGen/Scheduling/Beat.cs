using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TaskGen.Scheduling;

/// <summary>
/// A scheduler process (Celery's <c>beat</c>): it takes part in electing the schedule's one sender and, while it
/// leads, sends each entry's runs on time through the app, each with a task id derived from the entry and run time.
/// </summary>
public sealed class Beat : IAsyncDisposable
{
    private readonly TaskApp _app;
    private readonly IBeatElection _election;
    private readonly IBeatState _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal Beat(TaskApp app, IReadOnlyList<ScheduleEntry> entries, SchedulerOptions options, IBeatElection election, IBeatState state, TimeProvider time, string node)
    {
        _app = app;
        Entries = entries;
        Options = options;
        _election = election;
        _state = state;
        _time = time;
        Node = node;
        _logger = app.LoggerFactory.CreateLogger("TaskGen.Beat");
    }

    /// <summary>The entries this scheduler sends.</summary>
    public IReadOnlyList<ScheduleEntry> Entries { get; }

    /// <summary>The election and state settings.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>This process's node name in the election (<c>beat@host</c>).</summary>
    public string Node { get; }

    /// <summary>Whether this process leads now and may send.</summary>
    public bool IsLeader => throw new NotImplementedException();

    /// <summary>Runs until <paramref name="cancellationToken"/> fires: waits to lead, catches up under each entry's misfire policy, then sends each run on time.</summary>
    /// <param name="cancellationToken">Stops the scheduler; a leader stops sending at once and hands the role over.</param>
    public Task RunAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Releases the election and the state store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _election.DisposeAsync().ConfigureAwait(false);
        await _state.DisposeAsync().ConfigureAwait(false);
    }
}
