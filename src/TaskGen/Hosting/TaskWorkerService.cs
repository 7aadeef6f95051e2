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
    private readonly string? _name;
    private CancellationTokenRegistration _stopping;

    public TaskWorkerService(TaskApp app, WorkerOptions options, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory, string? name = null)
    {
        _name = name;
        _app = app;
        _options = options;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger("TaskGen.Hosting");
    }

    /// <summary>The running worker; null until the host has started it.</summary>
    public TaskWorker? Worker { get; private set; }

    /// <summary>
    /// Why the worker did not start, as one line, and the exit code the host was stopped with; null when it started
    /// (or has not been asked to yet).
    /// </summary>
    public (string Message, int ExitCode)? StartFailure { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        TaskWorker worker = _app.CreateWorker(_options);
        try
        {
            await worker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM while the worker waited for the broker: the host is stopping anyway, and that is no error.
            await worker.DisposeAsync().ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (StartFailureOf(ex) is { } failure)
        {
            // An ordinary mistake (an undeclared queue, a broker that stayed down) is one line and an exit code, as for a
            // BackgroundService that stops its host: thrown from here, the host would log it with its stack trace and
            // the app would die of an unhandled exception. The stack is kept for debug logging.
            await worker.DisposeAsync().ConfigureAwait(false);
            StartFailure = failure;
            LogStartFailedDetail(_logger, ex);
            LogStartFailed(_logger, failure.Message, failure.ExitCode);
            Environment.ExitCode = failure.ExitCode;
            _lifetime.StopApplication();
            return;
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
        if (Worker is null)
        {
            return;
        }

        Task<Exception> faulted = Worker.Faulted;
        await Task.WhenAny(faulted, Worker.ShutdownRequested, Task.Delay(Timeout.Infinite, stoppingToken)).ConfigureAwait(false);
        if (Worker.ShutdownRequested.IsCompleted && !stoppingToken.IsCancellationRequested)
        {
            // Remote control's shutdown: the worker stops as on Ctrl+C, and so does the host it runs in, with exit code 0.
            LogRemoteShutdown(_logger, Worker.NodeName);
            _lifetime.StopApplication();
            return;
        }

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

    /// <summary>
    /// The line and exit code for a start that failed for a reason the user can act on: 78 (EX_CONFIG) for a queue no
    /// assembly declares or a refused setting, 69 (EX_UNAVAILABLE) for a broker that cannot be reached; null for a bug.
    /// </summary>
    internal (string Message, int ExitCode)? StartFailureOf(Exception exception) => exception switch
    {
        TaskRoutingException routing => ($"{WorkerName} cannot start: {QueuesSetting} names queue '{routing.Queue}', which no assembly declares: "
            + $"declare it with [assembly: TaskQueue(\"{routing.Queue}\")], fix the name, or set TaskGen:TaskCreateMissingQueues to create it.", ConfigurationExitCode),
        TaskAppConfigurationException refused => ($"{WorkerName} cannot start: {refused.Message}", ConfigurationExitCode),
        Transport.BrokerException unreachable => ($"{WorkerName} cannot start: {unreachable.Message}", UnavailableExitCode),
        _ => null,
    };

    /// <summary>EX_CONFIG: the worker's settings name something that does not exist.</summary>
    internal const int ConfigurationExitCode = 78;

    /// <summary>EX_UNAVAILABLE: the broker could not be reached.</summary>
    internal const int UnavailableExitCode = 69;

    private string WorkerName => _name is null ? "The worker" : $"Worker '{_name}'";

    // Where a reader looks for the queue list: the named worker's configuration section, else the code that set it.
    private string QueuesSetting => _name is null ? "WorkerOptions.Queues" : $"{TaskAppConfiguration.WorkerSectionPath(_name)}:{nameof(WorkerOptions.Queues)}";

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason} Stopping the host with exit code {ExitCode}.")]
    private static partial void LogStartFailed(ILogger logger, string reason, int exitCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The worker's start failed.")]
    private static partial void LogStartFailedDetail(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{NodeName} was told to shut down by remote control; stopping the host.")]
    private static partial void LogRemoteShutdown(ILogger logger, string nodeName);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{NodeName} can no longer consume ({Reason}); stopping the host with exit code {ExitCode} so that its supervisor restarts it.")]
    private static partial void LogStoppingHost(ILogger logger, string nodeName, string reason, int exitCode);
}
