using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace TaskGen.Worker;

/// <summary>
/// The consumed queues whose delayed tasks wait in the broker (quorum queues). Known before the first delivery, and
/// grown by remote control's <c>add_consumer</c> while deliveries read it, so it is safe to read as it grows.
/// </summary>
internal sealed class DelayedQueueSet
{
    private readonly ConcurrentDictionary<string, bool> _queues;

    public DelayedQueueSet(IEnumerable<string> queues)
    {
        _queues = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        foreach (string queue in queues)
        {
            _queues[queue] = true;
        }
    }

    /// <summary>Whether delayed tasks of <paramref name="queue"/> wait in the broker.</summary>
    public bool Contains(string queue) => _queues.ContainsKey(queue);

    /// <summary>Adds a queue consumed from now on.</summary>
    public void Add(string queue) => _queues[queue] = true;
}
