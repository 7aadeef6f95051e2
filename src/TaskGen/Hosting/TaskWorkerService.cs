using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>
/// A worker that runs with the Generic Host. It starts consuming inside <see cref="StartAsync"/> rather than in
/// the background, so the host (and systemd's <c>READY=1</c>) reports itself started only once tasks can be taken,
/// and a broker that refuses the worker fails the host's start instead of leaving a process that does nothing.
/// </summary>
internal sealed partial class TaskWorkerService : BackgroundService, IAsyncDisposable
{
    /// <summary>EX_SOFTWARE, as the command-line worker exits when it can no longer consume.</summary>
    internal const int FaultedExitCode = 70;

    private readonly TaskApp _app;
    private readonly WorkerOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private CancellationTokenRegistration _stopping;

    public TaskWorkerService(TaskApp app, WorkerOptions options, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory)
    {
        _app = app;
        _options = options;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger("TaskGen.Hosting");
    }

    /// <summary>The running worker; null until the host has started it.</summary>
    public TaskWorker? Worker { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        TaskWorker worker = _app.CreateWorker(_options);
        try
        {
            await worker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Worker = worker;

        // The host stops its services one after another with one deadline: a worker that consumed until its own
        // turn would start tasks while the one before it drained, then have no time left for them. So every
        // worker stops taking work as soon as the host begins to stop, and only the draining is done in turn.
        _stopping = _lifetime.ApplicationStopping.Register(static state => ((TaskWorker)state!).StopConsumingAsync(), worker);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task<Exception> faulted = Worker!.Faulted;
        await Task.WhenAny(faulted, Task.Delay(Timeout.Infinite, stoppingToken)).ConfigureAwait(false);
        if (faulted.IsCompleted && !stoppingToken.IsCancellationRequested)
        {
            // A supervisor restarts a process that exits non-zero; one that idles on a dead consumer would never be.
            LogStoppingHost(_logger, Worker.NodeName, faulted.Result.Message, FaultedExitCode);
            Environment.ExitCode = FaultedExitCode;
            _lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Worker is { } worker)
        {
            // The host's token fires when its own shutdown timeout runs out, cutting the drain short at that point.
            await worker.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // The container prefers this over Dispose; the worker was stopped with the host, so this only releases it.
    public async ValueTask DisposeAsync()
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        base.Dispose();
        if (Worker is { } worker)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [LoggerMessage(Level = LogLevel.Critical, Message = "{NodeName} can no longer consume ({Reason}); stopping the host with exit code {ExitCode} so that its supervisor restarts it.")]
    private static partial void LogStoppingHost(ILogger logger, string nodeName, string reason, int exitCode);
}
