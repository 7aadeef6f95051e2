using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Scheduling;

namespace TaskGen.Hosting;

/// <summary>
/// A scheduler (Celery's <c>beat</c>) that runs with the Generic Host. Its entries, from code and from
/// <c>TaskGen:Schedule</c>, are read and checked inside <see cref="StartAsync"/>, so a bad entry fails the host's start
/// with every problem listed; the scheduler then waits to lead in the background and stops sending when the host stops.
/// </summary>
internal sealed partial class TaskSchedulerService : BackgroundService, IAsyncDisposable
{
    private readonly TaskApp _app;
    private readonly SchedulerOptions _options;
    private readonly IConfiguration? _configuration;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IBeatElection? _reader;

    public TaskSchedulerService(TaskApp app, SchedulerOptions options, IConfiguration? configuration, IHostApplicationLifetime lifetime, TimeProvider? time, ILoggerFactory loggerFactory)
    {
        _app = app;
        _options = options;
        _configuration = configuration;
        _lifetime = lifetime;
        _time = time ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("TaskGen.Hosting");
    }

    /// <summary>The running scheduler; null until the host has started it.</summary>
    public Beat? Beat { get; private set; }

    /// <summary>Why the scheduler stopped before the host did; null while it runs or once it stopped with the host.</summary>
    public Exception? Fault { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleEntry> entries = ScheduleConfiguration.ReadEntries(_configuration, _app);
        (IBeatElection election, IBeatState state) = BeatStores.Create(_app, _options, _time);
        Beat = new Beat(_app, entries, _options, election, state, _time, BeatStores.NodeName());
        (_reader, IBeatState unused) = BeatStores.Create(_app, _options, _time);
        await unused.DisposeAsync().ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads who leads this schedule now, through an election of its own that never runs for the role, so that a
    /// health check neither waits on nor disturbs the scheduler's.
    /// </summary>
    /// <exception cref="Exception">The election cannot be reached; its own exception.</exception>
    public ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken) =>
        _reader is { } reader ? reader.ReadLeaderAsync(cancellationToken) : ValueTask.FromResult<BeatLeaderInfo?>(null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Beat beat = Beat!;
        try
        {
            await beat.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Fault = ex;

            // A supervisor restarts a process that exits non-zero; a scheduler that stopped in silence would never be.
            LogStoppingHost(_logger, beat.Node, ex.Message, TaskWorkerService.FaultedExitCode);
            Environment.ExitCode = TaskWorkerService.FaultedExitCode;
            _lifetime.StopApplication();
        }
    }

    // The container prefers this over Dispose; the scheduler was stopped with the host, so this only releases it.
    public async ValueTask DisposeAsync()
    {
        base.Dispose();
        if (Beat is { } beat)
        {
            await beat.DisposeAsync().ConfigureAwait(false);
        }

        if (_reader is { } reader)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [LoggerMessage(Level = LogLevel.Critical, Message = "Scheduler {Node} stopped ({Reason}); stopping the host with exit code {ExitCode} so that its supervisor restarts it.")]
    private static partial void LogStoppingHost(ILogger logger, string node, string reason, int exitCode);
}
