using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>The parsed command line of a TaskGen program: the command, its arguments and its options.</summary>
internal sealed class CommandLine
{
    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["-Q"] = "--queues",
        ["-c"] = "--concurrency",
        ["-n"] = "--hostname",
        ["-b"] = "--broker",
        ["-l"] = "--loglevel",
        ["-t"] = "--timeout",
    };

    private CommandLine(string? command, List<string> arguments, Dictionary<string, string> options)
    {
        Command = command;
        Arguments = arguments;
        Options = options;
    }

    public string? Command { get; }

    public List<string> Arguments { get; }

    public Dictionary<string, string> Options { get; }

    public const string Usage = """
        Usage: <program> [--broker URL] [--loglevel LEVEL] <command> [options]

        Commands:
          worker [-Q queue1,queue2] [-c concurrency] [-n name@host]   consume queues and run tasks
          call <task> ['<json args>'] [--kwargs '<json>'] [-Q queue] [-t seconds]
                                                                     send a task by name and print its result
          help                                                       show this text

        Options come from the command line, then from environment variables (TaskGen__BrokerUrl, ...).
        """;

    public static CommandLine Parse(string[] args)
    {
        string? command = null;
        var arguments = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.StartsWith('-') && arg.Length > 1 && !char.IsDigit(arg[1]) && arg != "-")
            {
                string key = arg;
                string? value = null;
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    key = arg[..eq];
                    value = arg[(eq + 1)..];
                }

                key = s_aliases.GetValueOrDefault(key, key);
                if (key is "--help" or "-h")
                {
                    options["--help"] = "true";
                    continue;
                }

                if (value is null)
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new ArgumentException($"Option {arg} needs a value.");
                    }

                    value = args[++i];
                }

                options[key] = value;
            }
            else if (command is null)
            {
                command = arg;
            }
            else
            {
                arguments.Add(arg);
            }
        }

        return new CommandLine(command, arguments, options);
    }

    public string? Option(string name) => Options.GetValueOrDefault(name);
}

/// <summary>Runs the commands of a TaskGen program, as <c>celery -A app</c> does for Python.</summary>
public static class TaskAppHost
{
    /// <summary>Runs the command in <paramref name="args"/> and returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Adds the program's tasks (<c>app =&gt; app.AddCeleryAppTasks()</c>) and options.</param>
    /// <param name="cancellationToken">Stops the command, as a signal does.</param>
    public static async Task<int> RunAsync(string[] args, Action<TaskAppBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + CommandLine.Usage).ConfigureAwait(false);
            return 64;
        }

        if (line.Command is null or "help" || line.Option("--help") is not null)
        {
            Console.WriteLine(CommandLine.Usage);
            return line.Command is null && line.Option("--help") is null ? 64 : 0;
        }

        LogLevel level;
        try
        {
            level = CeleryConsoleLoggerProvider.ParseLevel(line.Option("--loglevel") ?? "warning");
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 64;
        }

        using var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(new CeleryConsoleLoggerProvider(level)));
        TaskApp app;
        try
        {
            app = TaskApp.Configure(builder =>
            {
                builder.LoggerFactory = loggerFactory;
                string? broker = line.Option("--broker") ?? Environment.GetEnvironmentVariable("TaskGen__BrokerUrl");
                if (broker is not null)
                {
                    builder.Options.BrokerUrl = broker;
                }

                configure?.Invoke(builder);
            });
        }
        catch (TaskAppConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: " + ex.Message).ConfigureAwait(false);
            return 78;
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
                return line.Command switch
                {
                    "worker" => await RunWorkerAsync(app, line, stop.Token).ConfigureAwait(false),
                    "call" => await CallAsync(app, line, stop.Token).ConfigureAwait(false),
                    _ => Unknown(line.Command),
                };
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 64;
            }
        }
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"Unknown command '{command}'.{Environment.NewLine}{CommandLine.Usage}");
        return 64;
    }

    private static WorkerOptions WorkerOptionsFrom(CommandLine line) => new()
    {
        Queues = line.Option("--queues")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
        Concurrency = line.Option("--concurrency") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : null,
        NodeName = line.Option("--hostname"),
    };

    private static async Task<int> RunWorkerAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        await using TaskWorker worker = app.CreateWorker(WorkerOptionsFrom(line));
        await worker.StartAsync(stop).ConfigureAwait(false);
        Console.WriteLine($"{worker.NodeName} ready: queues {string.Join(",", worker.Queues)}, concurrency {worker.Concurrency}, broker {app.Transport.Description}.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await worker.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> CallAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        if (line.Arguments.Count == 0)
        {
            throw new ArgumentException("call needs a task name: call <task> ['<json args>'] [--kwargs '<json>'].");
        }

        string name = line.Arguments[0];
        var arguments = new RawJsonArguments(line.Arguments.Count > 1 ? line.Arguments[1] : null, line.Option("--kwargs"));
        string queue = line.Option("--queues") ?? (app.Tasks.TryGet(name, out _, out TaskDefinition? definition) ? definition.Queue : app.Options.TaskDefaultQueue);
        TimeSpan timeout = TimeSpan.FromSeconds(double.Parse(line.Option("--timeout") ?? "30", CultureInfo.InvariantCulture));

        // memory:// lives in this process only, so a call on it needs a worker here too.
        TaskWorker? local = null;
        if (app.Transport is Transport.InMemoryTransport)
        {
            local = app.CreateWorker(new WorkerOptions { Queues = [queue] });
            await local.StartAsync(stop).ConfigureAwait(false);
        }

        try
        {
            var descriptor = new TaskDescriptor<JsonElement>(name, queue, null, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader));
            AsyncResult<JsonElement> result = await app.SendAsync(new Signature<JsonElement>(descriptor, arguments, new TaskOptions { Queue = queue }), stop).ConfigureAwait(false);
            JsonElement value = await result.GetAsync(timeout, stop).ConfigureAwait(false);
            Console.WriteLine(value.GetRawText());
            return 0;
        }
        catch (TaskFailedException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.RemoteType}: {ex.RemoteMessage}").ConfigureAwait(false);
            return 1;
        }
        catch (TimeoutException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (local is not null)
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
