using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Monitor.State;

/// <summary>
/// Queue lengths and consumer counts straight from the broker (a passive declare per queue), so no management
/// plugin is needed: for the queues the workers say they consume and those configured.
/// </summary>
internal sealed class QueueLengths(TaskApp app, MonitorStore store)
{
    /// <summary>Reads every known queue's ready messages and consumers; queues that do not exist are left out.</summary>
    public async Task<IReadOnlyList<QueueLength>> ReadAsync(CancellationToken cancellationToken)
    {
        var lengths = new List<QueueLength>();
        foreach (string queue in KnownQueues())
        {
            (uint Messages, uint Consumers)? found = await app.Transport.InspectQueueAsync(queue, cancellationToken).ConfigureAwait(false);
            if (found is { } length)
            {
                lengths.Add(new QueueLength(queue, length.Messages, length.Consumers));
            }
        }

        return lengths;
    }

    /// <summary>The queue names from the workers' <c>active_queues</c> replies and the options, sorted, without duplicates.</summary>
    public SortedSet<string> KnownQueues()
    {
        var names = new SortedSet<string>(store.Options.Queues, StringComparer.Ordinal);
        foreach (WorkerRecord worker in store.Workers())
        {
            if (worker.Inspect.TryGetValue("active_queues", out JsonElement queues) && queues.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement queue in queues.EnumerateArray())
                {
                    if (queue.ValueKind == JsonValueKind.Object && queue.TryGetProperty("name", out JsonElement name)
                        && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 and <= 255 } text)
                    {
                        names.Add(text);
                    }
                }
            }
        }

        return names;
    }
}

/// <summary>One queue's length.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Messages">Messages ready to be delivered.</param>
/// <param name="Consumers">Consumers attached.</param>
internal sealed record QueueLength(string Name, uint Messages, uint Consumers);
