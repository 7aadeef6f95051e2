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

// The one-shot commands: each talks to the broker or the workers once, prints what it found and returns its exit code.
internal static partial class TaskAppHost
{
    /// <summary>Pings the workers and lists those that answer; exits 69 when none does.</summary>
    internal static async Task<int> StatusAsync(TaskApp app, TimeSpan timeout, IReadOnlyList<string>? destination, TextWriter output, TextWriter error, CancellationToken stop)
    {
        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport)
            .PingAsync(timeout, destination, stop).ConfigureAwait(false);
        if (replies.Count == 0)
        {
            await error.WriteLineAsync("Error: No nodes replied within time constraint.").ConfigureAwait(false);
            return Unavailable;
        }

        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"-> {reply.Node}: OK").ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"{replies.Count} {(replies.Count == 1 ? "node" : "nodes")} online.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Sends one inspect request (<c>ping</c>, <c>stats</c>, ...) and prints each node's reply; exits 69 when none answers.</summary>
    internal static async Task<int> InspectAsync(TaskApp app, string method, TimeSpan timeout, IReadOnlyList<string>? destination, bool json, TextWriter output, TextWriter error, CancellationToken stop)
    {
        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport)
            .CallAsync(method, null, timeout, destination, stop).ConfigureAwait(false);
        if (replies.Count == 0)
        {
            await error.WriteLineAsync("Error: No nodes replied within time constraint.").ConfigureAwait(false);
            return Unavailable;
        }

        if (json)
        {
            var all = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (ControlReply reply in replies)
            {
                all[reply.Node] = reply.Reply;
            }

            await output.WriteLineAsync(JsonSerializer.Serialize(all, CommandJson.Default.DictionaryStringJsonElement)).ConfigureAwait(false);
            return 0;
        }

        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            await output.WriteLineAsync(reply.Error is null ? $"-> {reply.Node}: OK" : $"-> {reply.Node}: ERROR").ConfigureAwait(false);
            await output.WriteLineAsync("    " + JsonSerializer.Serialize(reply.Reply, CommandJson.Indented.JsonElement).Replace("\n", "\n    ", StringComparison.Ordinal)).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"{replies.Count} {(replies.Count == 1 ? "node" : "nodes")} online.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Tells the workers not to run these tasks; exits 69 when none answers.</summary>
    internal static async Task<int> RevokeAsync(TaskApp app, IReadOnlyList<string> taskIds, TimeSpan timeout, IReadOnlyList<string>? destination, TextWriter output, CancellationToken stop)
    {
        if (taskIds.Count == 0)
        {
            throw new ArgumentException("revoke needs one or more task ids.");
        }

        IReadOnlyList<ControlReply> replies = await new RemoteControlClient(app.Transport).CallAsync(
            "revoke",
            writer =>
            {
                writer.WriteStartArray("task_id");
                foreach (string id in taskIds)
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
            },
            timeout,
            destination,
            stop).ConfigureAwait(false);
        foreach (ControlReply reply in replies.OrderBy(r => r.Node, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"-> {reply.Node}: {reply.Reply}").ConfigureAwait(false);
        }

        return replies.Count == 0 ? Unavailable : 0;
    }

    /// <summary>
    /// Deletes the waiting messages of <paramref name="queues"/>, or of every known task queue when null; exits 64 without
    /// purging anything when a queue named is neither declared by this program nor present on the broker.
    /// </summary>
    internal static async Task<int> PurgeAsync(TaskApp app, IReadOnlyList<string>? queues, TextWriter output, TextWriter error, CancellationToken stop)
    {
        string[] declared = app.Tasks.Queues.Where(q => !q.Broadcast).Select(q => q.Name).Append(app.Options.TaskDefaultQueue)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (queues is not null)
        {
            // A typo would otherwise purge nothing and say "Purged 0", as if the queue were merely empty. A queue only the
            // broker has (a Python worker's, say) is purged; the check is a passive declare, so it creates nothing.
            // A broadcast queue is an exchange, with a queue per worker that goes when the worker does: there is no one
            // queue to purge, which is said as such rather than as an unknown name.
            string[] broadcast = app.Tasks.Queues.Where(q => q.Broadcast).Select(q => q.Name).ToArray();
            if (queues.FirstOrDefault(q => Array.IndexOf(broadcast, q) >= 0) is { } fanout)
            {
                await error.WriteLineAsync($"'{LogText.Escape(fanout)}' is a broadcast queue: each worker reads it through a queue of its own that goes when the worker stops, so there is no queue to purge. Nothing was purged.").ConfigureAwait(false);
                return CommandLine.UsageError;
            }

            var unknown = new List<string>();
            foreach (string queue in queues)
            {
                if (Array.IndexOf(declared, queue) < 0 && await app.Transport.InspectQueueAsync(queue, stop).ConfigureAwait(false) is null)
                {
                    unknown.Add(queue);
                }
            }

            if (unknown.Count > 0)
            {
                foreach (string queue in unknown)
                {
                    await error.WriteLineAsync(UnknownQueue(queue, declared)).ConfigureAwait(false);
                }

                if (unknown.Count < queues.Count)
                {
                    await error.WriteLineAsync("Nothing was purged.").ConfigureAwait(false);
                }
                return CommandLine.UsageError;
            }
        }

        IEnumerable<string> names = queues ?? declared;
        uint total = 0;
        int count = 0;
        foreach (string queue in names)
        {
            total += await app.Transport.PurgeAsync(queue, stop).ConfigureAwait(false);
            count++;
        }

        await output.WriteLineAsync($"Purged {total} {(total == 1 ? "message" : "messages")} from {count} known task {(count == 1 ? "queue" : "queues")}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Sends <paramref name="task"/> to <paramref name="queue"/> (its own queue when null) and prints its result as JSON;
    /// exits 1 when the task fails or no result comes within <paramref name="timeout"/>, and 64 at once, naming close
    /// matches, when this program registers no such task and <paramref name="unregistered"/> does not allow it.
    /// </summary>
    internal static async Task<int> CallAsync(TaskApp app, string task, RawJsonArguments arguments, string? queue, TimeSpan timeout, bool unregistered, TextWriter output, TextWriter error, CancellationToken stop)
    {
        if (string.IsNullOrWhiteSpace(task))
        {
            throw new ArgumentException("call needs a task name: call <task> ['<json args>'] [--kwargs '<json>'].");
        }

        bool registered = app.Tasks.TryGet(task, out _, out TaskDefinition? definition);
        if (!registered && !unregistered)
        {
            // A typo would otherwise be sent, wait the whole timeout and blame the queue; no worker runs a name nobody registers.
            IReadOnlyList<string> close = CloseNames.Find(task, app.Tasks.TaskNames);
            await error.WriteLineAsync(close.Count > 0
                ? $"Unknown task '{LogText.Escape(task)}'. Did you mean {CloseNames.Either(close)}?"
                : $"Unknown task '{LogText.Escape(task)}': this program registers no task by that name.").ConfigureAwait(false);
            await error.WriteLineAsync("To send it as written to another program's worker (a Python one, say), pass --unregistered.").ConfigureAwait(false);
            return CommandLine.UsageError;
        }

        if (queue is not null && QueueNameCheck.Problem(app, [queue], "call") is { } problem)
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return CommandLine.UsageError;
        }

        queue ??= registered ? definition!.Queue : app.Options.TaskDefaultQueue;

        // memory:// lives in this process only, so a call on it needs a worker here too.
        TaskWorker? local = null;
        if (app.Transport is Transport.InMemoryTransport)
        {
            local = app.CreateWorker(new WorkerOptions { Queues = [queue] });
            await local.StartAsync(stop).ConfigureAwait(false);
        }

        try
        {
            AsyncResult<JsonElement> result = await app.SendAsync(CallByName.Create(task, queue, arguments, new TaskOptions { Queue = queue }), stop).ConfigureAwait(false);
            JsonElement value = await result.GetAsync(timeout, stop).ConfigureAwait(false);
            await output.WriteLineAsync(value.GetRawText()).ConfigureAwait(false);
            return 0;
        }
        catch (TaskFailedException ex)
        {
            await error.WriteLineAsync($"{ex.RemoteType}: {ex.RemoteMessage}").ConfigureAwait(false);
            return 1;
        }
        catch (TimeoutException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
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

    private static string UnknownQueue(string queue, IReadOnlyList<string> declared)
    {
        string shown = LogText.Escape(queue);
        IReadOnlyList<string> close = CloseNames.Find(queue, declared);
        return close.Count > 0
            ? $"Unknown queue '{shown}': neither this program nor the broker has a queue by that name. Did you mean {CloseNames.Either(close)}?"
            : $"Unknown queue '{shown}': neither this program nor the broker has a queue by that name; this program declares {string.Join(", ", declared)}.";
    }
}
