using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Control;
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
        ["-d"] = "--destination",
        ["-f"] = "--force",
        ["-E"] = "--task-events",
    };

    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "--force", "--json", "--task-events" };

    /// <summary>The longest reply or result wait the command line accepts, in seconds (one day).</summary>
    public const double MaxTimeoutSeconds = 86_400;

    /// <summary>The options that take a number, with the form their value must have and how it is checked.</summary>
    private static readonly Dictionary<string, (string Form, Func<string, bool> IsValid)> s_numeric = new(StringComparer.Ordinal)
    {
        ["--concurrency"] = ("a whole number of at least 1 (e.g. -c 8)", static text => TryWholeNumber(text, out _)),
        ["--timeout"] = ($"a number of seconds greater than 0 and at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (e.g. -t 2.5)", static text => TrySeconds(text, out _)),
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
          worker [-Q queue1,queue2] [-c concurrency] [-n name@host] [-E]
                                                                     consume queues and run tasks (-E: send task events)
          call <task> ['<json args>'] [--kwargs '<json>'] [-Q queue] [-t seconds]
                                                                     send a task by name and print its result
          status [-t seconds] [-d node1,node2]                       list the workers that answer a ping
          inspect ping|registered|active|stats|active_queues [-t seconds] [-d nodes] [--json]
                                                                     ask workers about themselves
          revoke <task id> [<task id> ...]                           tell workers not to run these tasks
          purge [-Q queue1,queue2]                                   delete every waiting message from task queues
          help                                                       show this text

        Options come from appsettings.json (section TaskGen), then environment variables (TaskGen__BrokerUrl,
        TaskGen__WorkerConcurrency, ...), then the command line.
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
                if (key is "--help" or "-h" || s_flags.Contains(key))
                {
                    options[key is "-h" ? "--help" : key] = value ?? "true";
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

                if (s_numeric.TryGetValue(key, out (string Form, Func<string, bool> IsValid) numeric) && !numeric.IsValid(value))
                {
                    string written = eq > 0 ? arg[..eq] : arg;
                    string named = written == key ? key : $"{written}/{key}";
                    throw new ArgumentException($"Option {named} expects {numeric.Form}, not '{Diagnostics.LogText.Escape(value)}'.");
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

    /// <summary>The value of a whole-number option (checked when the line was parsed), or null when it is not given.</summary>
    public int? WholeNumber(string name) => Option(name) is { } text && TryWholeNumber(text, out int value) ? value : null;

    /// <summary>The value of a seconds option (checked when the line was parsed), or <paramref name="defaultSeconds"/>.</summary>
    public TimeSpan Seconds(string name, double defaultSeconds) =>
        TimeSpan.FromSeconds(Option(name) is { } text && TrySeconds(text, out double value) ? value : defaultSeconds);

    private static bool TryWholeNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;

    private static bool TrySeconds(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && value > 0 && value <= MaxTimeoutSeconds;
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

                // appsettings.json, then environment variables (TaskGen__BrokerUrl), then the command line.
                TaskAppConfiguration.Bind(TaskAppConfiguration.Load(args), builder.Options);
                if (line.Option("--broker") is { } broker)
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
                    "status" => await StatusAsync(app, line, stop.Token).ConfigureAwait(false),
                    "inspect" => await InspectAsync(app, line, stop.Token).ConfigureAwait(false),
                    "revoke" => await RevokeAsync(app, line, stop.Token).ConfigureAwait(false),
                    "purge" => await PurgeAsync(app, line, stop.Token).ConfigureAwait(false),
                    _ => Unknown(line.Command),
                };
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 64;
            }
            catch (Transport.BrokerException ex)
            {
                await Console.Error.WriteLineAsync("Error: " + ex.Message).ConfigureAwait(false);
                return 69;
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
        Concurrency = line.WholeNumber("--concurrency"),
        NodeName = line.Option("--hostname"),
        SendTaskEvents = line.Option("--task-events") is not null ? true : null,
    };

    private static async Task<int> RunWorkerAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        await using TaskWorker worker = app.CreateWorker(WorkerOptionsFrom(line));
        await worker.StartAsync(stop).ConfigureAwait(false);
        Console.WriteLine($"{worker.NodeName} ready: queues {string.Join(",", worker.Queues)}, concurrency {worker.Concurrency}, broker {app.Transport.Description}.");
        // A worker that can no longer consume exits non-zero (EX_SOFTWARE), so systemd or another supervisor restarts it.
        Task stopped = Task.Delay(Timeout.Infinite, stop);
        Task first = await Task.WhenAny(stopped, worker.Faulted).ConfigureAwait(false);
        await worker.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (first == worker.Faulted)
        {
            Console.Error.WriteLine($"{worker.NodeName} stopped: {worker.Faulted.Result.Message}");
            return 70;
        }

        return 0;
    }

    /// <summary>Celery's exit code when no node answered (EX_UNAVAILABLE).</summary>
    private const int Unavailable = 69;


    private static async Task<int> StatusAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport)
            .PingAsync(ReplyTimeout(line, 1), Destination(line), stop).ConfigureAwait(false);
        if (replies.Count == 0)
        {
            await Console.Error.WriteLineAsync("Error: No nodes replied within time constraint.").ConfigureAwait(false);
            return Unavailable;
        }

        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            Console.WriteLine($"-> {reply.Node}: OK");
        }

        Console.WriteLine();
        Console.WriteLine($"{replies.Count} {(replies.Count == 1 ? "node" : "nodes")} online.");
        return 0;
    }

    private static async Task<int> InspectAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        string method = line.Arguments.Count > 0 ? line.Arguments[0] : throw new ArgumentException("inspect needs a command: ping, registered, active, stats or active_queues.");
        if (method is not ("ping" or "registered" or "active" or "stats" or "active_queues" or "revoked" or "scheduled" or "reserved"))
        {
            throw new ArgumentException($"'{method}' is not an inspect command: use ping, registered, active, stats or active_queues.");
        }

        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport)
            .CallAsync(method, null, ReplyTimeout(line, 1), Destination(line), stop).ConfigureAwait(false);
        if (replies.Count == 0)
        {
            await Console.Error.WriteLineAsync("Error: No nodes replied within time constraint.").ConfigureAwait(false);
            return Unavailable;
        }

        if (line.Option("--json") is not null)
        {
            var all = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (ControlReply reply in replies)
            {
                all[reply.Node] = reply.Reply;
            }

            Console.WriteLine(JsonSerializer.Serialize(all, HostJson.Default.DictionaryStringJsonElement));
            return 0;
        }

        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            Console.WriteLine(reply.Error is null ? $"-> {reply.Node}: OK" : $"-> {reply.Node}: ERROR");
            Console.WriteLine("    " + JsonSerializer.Serialize(reply.Reply, HostJson.Indented.JsonElement).Replace("\n", "\n    ", StringComparison.Ordinal));
        }

        Console.WriteLine();
        Console.WriteLine($"{replies.Count} {(replies.Count == 1 ? "node" : "nodes")} online.");
        return 0;
    }

    private static async Task<int> RevokeAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        if (line.Arguments.Count == 0)
        {
            throw new ArgumentException("revoke needs one or more task ids.");
        }

        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport).CallAsync(
            "revoke",
            writer =>
            {
                writer.WriteStartArray("task_id");
                foreach (string id in line.Arguments)
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
            },
            ReplyTimeout(line, 1),
            Destination(line),
            stop).ConfigureAwait(false);
        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            Console.WriteLine($"-> {reply.Node}: {reply.Reply}");
        }

        return replies.Count == 0 ? Unavailable : 0;
    }

    private static async Task<int> PurgeAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        IEnumerable<string> queues = line.Option("--queues")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? app.Tasks.Queues.Where(q => !q.Broadcast).Select(q => q.Name).Append(app.Options.TaskDefaultQueue).Distinct(StringComparer.Ordinal);
        uint total = 0;
        int count = 0;
        foreach (string queue in queues)
        {
            total += await app.Transport.PurgeAsync(queue, stop).ConfigureAwait(false);
            count++;
        }

        Console.WriteLine($"Purged {total} {(total == 1 ? "message" : "messages")} from {count} known task {(count == 1 ? "queue" : "queues")}.");
        return 0;
    }

    private static TimeSpan ReplyTimeout(CommandLine line, double defaultSeconds) => line.Seconds("--timeout", defaultSeconds);

    private static IReadOnlyList<string>? Destination(CommandLine line) =>
        line.Option("--destination")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<int> CallAsync(TaskApp app, CommandLine line, CancellationToken stop)
    {
        if (line.Arguments.Count == 0)
        {
            throw new ArgumentException("call needs a task name: call <task> ['<json args>'] [--kwargs '<json>'].");
        }

        string name = line.Arguments[0];
        var arguments = new RawJsonArguments(line.Arguments.Count > 1 ? line.Arguments[1] : null, line.Option("--kwargs"));
        string queue = line.Option("--queues") ?? (app.Tasks.TryGet(name, out _, out TaskDefinition? definition) ? definition.Queue : app.Options.TaskDefaultQueue);
        TimeSpan timeout = line.Seconds("--timeout", 30);

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
