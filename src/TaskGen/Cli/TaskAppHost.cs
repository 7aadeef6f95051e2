using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskGen.Control;
using TaskGen.Diagnostics;
using TaskGen.Hosting;
using TaskGen.Scheduling;
using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen.Cli;

/// <summary>Runs the commands of a TaskGen program, as <c>celery -A app</c> does for Python.</summary>
internal static partial class TaskAppHost
{
    /// <summary>Runs the command in <paramref name="args"/> and returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Adds the program's tasks (<c>app =&gt; app.AddCeleryAppTasks()</c>) and options.</param>
    /// <param name="cancellationToken">Stops the command, as a signal does.</param>
    public static Task<int> RunAsync(string[] args, Action<TaskAppBuilder>? configure = null, CancellationToken cancellationToken = default) =>
        RunAsync(args, configure, Console.Out, Console.Error, cancellationToken);

    /// <summary>Runs the command in <paramref name="args"/>, writing what it prints to the given writers.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Adds the program's tasks and options.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops the command, as a signal does.</param>
    /// <param name="environment">
    /// Reads <c>CELERY_BROKER_URL</c> and <c>DOTNET_ENVIRONMENT</c>; the process environment when null (tests pass their own).
    /// </param>
    internal static async Task<int> RunAsync(string[] args, Action<TaskAppBuilder>? configure, TextWriter output, TextWriter error, CancellationToken cancellationToken, Func<string, string?>? environment = null)
    {
        var line = new CommandLine();
        IConfiguration Load() => TaskAppConfiguration.Load(args, variable: environment);
        line.Worker.SetAction((parsed, token) =>
            RunWorkerHostAsync(Load, ConfigureWorker(parsed, line), parsed.GetValue(line.Level), parsed.GetValue(line.Broker), configure, output, error, token));
        line.Beat.SetAction((parsed, token) =>
            ScheduleCommands.RunBeatHostAsync(Load, ConfigureScheduler(parsed, line.BeatSchedulerName, line.BeatElection), parsed.GetValue(line.Level), parsed.GetValue(line.Broker), configure, output, error, token));
        line.ScheduleList.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
        {
            IConfiguration configuration = Load();
            var options = new SchedulerOptions();
            ScheduleConfiguration.BindScheduler(configuration, options);
            ConfigureScheduler(parsed, line.ListSchedulerName, line.ListElection)(options);
            return ScheduleCommands.ListAsync(app, configuration, options, DateTimeOffset.UtcNow, output, stop);
        }));
        line.Call.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            CallAsync(
                app,
                parsed.GetValue(line.TaskName)!,
                new RawJsonArguments(parsed.GetValue(line.TaskArgs), parsed.GetValue(line.Kwargs)),
                parsed.GetValue(line.CallQueue),
                TimeSpan.FromSeconds(parsed.GetValue(line.CallTimeout)),
                parsed.GetValue(line.Unregistered),
                output,
                error,
                stop)));
        line.Status.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            StatusAsync(app, TimeSpan.FromSeconds(parsed.GetValue(line.StatusTimeout)), CommandLine.Names(parsed, line.StatusDestination), output, error, stop)));
        line.Inspect.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            InspectAsync(
                app,
                parsed.GetValue(line.InspectMethod)!,
                TimeSpan.FromSeconds(parsed.GetValue(line.InspectTimeout)),
                CommandLine.Names(parsed, line.InspectDestination),
                parsed.GetValue(line.Json),
                output,
                error,
                stop)));
        line.Revoke.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            RevokeAsync(app, parsed.GetValue(line.TaskIds)!, TimeSpan.FromSeconds(parsed.GetValue(line.RevokeTimeout)), CommandLine.Names(parsed, line.RevokeDestination), output, stop)));
        line.Purge.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            PurgeAsync(app, CommandLine.Names(parsed, line.PurgeQueues), output, error, stop)));
        line.DeadLettersList.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            DeadLetterCommands.ListAsync(app, parsed.GetValue(line.DeadLetterQueue), parsed.GetValue(line.Limit), parsed.GetValue(line.DeadLettersJson), output, error, stop)));
        line.DeadLettersShow.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            DeadLetterCommands.ShowAsync(app, parsed.GetValue(line.DeadLetterQueue), parsed.GetValue(line.ShowTaskId)!, output, error, stop)));
        line.DeadLettersReplay.SetAction((parsed, token) => RunWithAppAsync(Load, parsed, line, configure, error, token, (app, stop) =>
            DeadLetterCommands.ReplayAsync(app, parsed.GetValue(line.DeadLetterQueue), parsed.GetValue(line.ReplayTaskId), parsed.GetValue(line.ReplayAll), parsed.GetValue(line.ReplayTo), output, error, stop)));
        line.Help.SetAction((parsed, token) =>
        {
            // "help worker" prints what "worker --help" prints; "help" alone, the root's help.
            string? topic = parsed.GetValue(line.HelpTopic);
            return line.Parse(topic is null ? ["--help"] : [topic, "--help"]).InvokeAsync(Invocation(output, error), token);
        });

        ParseResult result = line.Parse(args);
        if (result.Errors.Count > 0)
        {
            line.WriteErrors(result, error);
            return CommandLine.UsageError;
        }

        return await result.InvokeAsync(Invocation(output, error), cancellationToken).ConfigureAwait(false);
    }

    private static InvocationConfiguration Invocation(TextWriter output, TextWriter error) => new()
    {
        Output = output,
        Error = error,

        // The worker handles SIGTERM and Ctrl-C itself (it may take WorkerShutdownTimeout to finish running
        // tasks), and its exceptions keep their exit codes instead of a generic 1.
        ProcessTerminationTimeout = null,
        EnableDefaultExceptionHandler = false,
    };

    /// <summary>
    /// Builds the app from configuration and the global options, then runs <paramref name="command"/> with a token
    /// that SIGTERM and Ctrl-C cancel.
    /// </summary>
    private static async Task<int> RunWithAppAsync(
        Func<IConfiguration> load,
        ParseResult parsed,
        CommandLine line,
        Action<TaskAppBuilder>? configure,
        TextWriter error,
        CancellationToken cancellationToken,
        Func<TaskApp, CancellationToken, Task<int>> command)
    {
        LogLevel level = parsed.GetValue(line.Level);
        string? option = parsed.GetValue(line.Broker);
        using var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(new CeleryConsoleLoggerProvider(level)));
        TaskApp app;
        try
        {
            app = TaskApp.Configure(builder =>
            {
                builder.LoggerFactory = loggerFactory;

                // appsettings.json, then environment variables (CELERY_BROKER_URL, TaskGen__BrokerUrl), then the command
                // line; Celery's default broker when none of them names one, never memory:// unless asked for.
                IConfiguration configuration = load();
                TaskAppConfiguration.Bind(configuration, builder.Options);
                if (CommandLineBroker.Resolve(option, configuration) is { } broker)
                {
                    builder.Options.BrokerUrl = broker;
                }

                configure?.Invoke(builder);
            });
        }
        catch (Exception ex) when (Failure(ex) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }

        await using (app.ConfigureAwait(false))
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });

            try
            {
                return await command(app, stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (CommandLineBroker.IsUnreachable(ex))
            {
                // One line naming the broker and the fix, rather than the client's wording or "no nodes replied".
                await error.WriteLineAsync(CommandLineBroker.Unreachable(app.Transport.Description, ex)).ConfigureAwait(false);
                return Unavailable;
            }
            catch (Exception ex) when (Failure(ex) is { } failure)
            {
                await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
                return failure.ExitCode;
            }
        }
    }

    private static Action<SchedulerOptions> ConfigureScheduler(ParseResult parsed, Option<string?> name, Option<string?> election) => scheduler =>
    {
        scheduler.Name = parsed.GetValue(name) ?? scheduler.Name;
        scheduler.Election = parsed.GetValue(election) ?? scheduler.Election;
    };

    private static Action<WorkerOptions> ConfigureWorker(ParseResult parsed, CommandLine line) => worker =>
    {
        worker.Queues = CommandLine.Names(parsed, line.WorkerQueues) ?? [];
        if (parsed.GetValue(line.Concurrency) is { } concurrency)
        {
            worker.Concurrency = concurrency;
        }

        worker.NodeName = parsed.GetValue(line.Hostname);
        worker.SendTaskEvents = parsed.GetValue(line.TaskEvents);
    };

    /// <summary>
    /// Runs the worker command inside the Generic Host, as <c>AddTaskGenWorker</c> runs one in any app: under systemd
    /// (<c>Type=notify</c>) the host reports ready once the worker consumes, SIGTERM and Ctrl-C stop it through the
    /// host, and a worker that can no longer consume exits 70 (EX_SOFTWARE) so that its supervisor restarts it.
    /// </summary>
    internal static async Task<int> RunWorkerHostAsync(
        Func<IConfiguration> load,
        Action<WorkerOptions> configureWorker,
        LogLevel level,
        string? option,
        Action<TaskAppBuilder>? configure,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        // The same sources, in the same order, as every other command: appsettings.json, environment, --TaskGen: arguments.
        IConfiguration configuration = load();
        builder.Configuration.AddConfiguration(configuration);
        string? broker = CommandLineBroker.Resolve(option, configuration);
        builder.Logging.ClearProviders().SetMinimumLevel(level).AddProvider(new CeleryConsoleLoggerProvider(level, error));

        // The worker's own lines say when it is ready and when it stops; the host's would repeat them.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.Configure<ConsoleLifetimeOptions>(static o => o.SuppressStatusMessages = true);
        builder.Services.AddSystemd();
        builder.Services.AddTaskGen(
            o =>
            {
                if (broker is not null)
                {
                    o.BrokerUrl = broker;
                }
            },
            configure);
        builder.Services.AddTaskGenWorker(configureWorker);

        // The host must not cut short the drain the worker promises: WorkerShutdownTimeout, then the grace a task
        // gets to notice its cancelled token.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<TaskAppOptions>>(static (host, taskGen) =>
            host.ShutdownTimeout = taskGen.Value.WorkerShutdownTimeout + TimeSpan.FromSeconds(10));

        // Building reads the options already (the shutdown timeout above), so a refused setting can surface there too.
        IHost host;
        try
        {
            host = builder.Build();
        }
        catch (Exception ex) when (Failure(ex) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }

        using IHost started = host;
        TaskApp app;
        try
        {
            // A queue named after -Q that the program does not declare is a usage error, reported before the broker is tried.
            // Which broker comes next, as Celery's banner shows its transport: a worker that waits for or fails on its
            // broker has said which one. The app is built here already; it connects when started.
            app = host.Services.GetRequiredService<TaskApp>();
            var requested = new WorkerOptions();
            configureWorker(requested);
            if (QueueNameCheck.Problem(app, requested.Queues.ToArray(), "worker") is { } problem)
            {
                await error.WriteLineAsync(problem).ConfigureAwait(false);
                return CommandLine.UsageError;
            }

            // Celery's default broker, named before connecting to it as Celery's banner shows its transport, so that a
            // worker nobody pointed at a broker says where it looks. The app is built here already; it connects when started.
            if (CommandLineBroker.Banner(app, option, configuration) is { } banner)
            {
                await output.WriteLineAsync(banner).ConfigureAwait(false);
            }
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failure(ex) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }

        TaskWorkerService service = host.Services.GetServices<IHostedService>().OfType<TaskWorkerService>().Single();
        if (service.Worker is not { } running)
        {
            // The service logged why in one line (a broker that stayed down) and stopped the host; Ctrl+C while it
            // waited for the broker is no failure.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return service.StartFailure?.ExitCode ?? 0;
        }

        await output.WriteLineAsync($"{running.NodeName} ready: queues {string.Join(",", running.Queues)}, concurrency {running.Concurrency}, broker {app.Transport.Description}.").ConfigureAwait(false);
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (running.Faulted.IsCompleted)
        {
            await error.WriteLineAsync($"{running.NodeName} stopped: {running.Faulted.Result.Message}").ConfigureAwait(false);
            return TaskWorkerService.FaultedExitCode;
        }

        return 0;
    }

    /// <summary>
    /// What every command prints and exits with when it fails for a reason the user can act on: 78 (EX_CONFIG) for
    /// a refused setting, 69 (EX_UNAVAILABLE) for an unreachable broker, 64 (EX_USAGE) for a bad argument.
    /// </summary>
    internal static (string Message, int ExitCode)? Failure(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: > 0 } many => Failure(many.InnerExceptions[0]),
        OptionsValidationException invalid => ("Configuration error: " + string.Join(" ", invalid.Failures), ConfigurationError),
        TaskAppConfigurationException refused => ("Configuration error: " + refused.Message, ConfigurationError),
        Transport.BrokerException unreachable => ("Error: " + unreachable.Message, Unavailable),
        ArgumentException or FormatException => (exception.Message, CommandLine.UsageError),
        _ => null,
    };

    /// <summary>The exit code of a refused setting (EX_CONFIG).</summary>
    private const int ConfigurationError = 78;

    /// <summary>Celery's exit code when no node answered (EX_UNAVAILABLE).</summary>
    private const int Unavailable = 69;
}
