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
