using System;
using System.Collections.Generic;

namespace TaskGen.Worker;

/// <summary>
/// The ids a worker was told not to run, bounded as Celery's revoked set is: at most a fixed number, the
/// oldest forgotten first, and none kept past its lifetime. Insertion order is kept, so trimming removes
/// exactly the oldest entries, never an arbitrary subset.
/// </summary>
internal sealed class RevokedSet(int capacity, TimeSpan lifetime)
{
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long At)> _order = new();
    private readonly object _lock = new();

    /// <summary>How many ids are held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }

    /// <summary>Adds ids at time <paramref name="now"/> (ticks of <see cref="Environment.TickCount64"/>), then trims.</summary>
    public void Add(IEnumerable<string> ids, long now)
    {
        lock (_lock)
        {
            foreach (string id in ids)
            {
                // A revoke repeated later renews the entry: its old place in the order no longer counts.
                _ids[id] = now;
                _order.Enqueue((id, now));
            }

            Trim(now);
        }
    }

    /// <summary>The ids revoked and still within their lifetime at <paramref name="now"/>, for <c>inspect revoked</c>.</summary>
    public IReadOnlyList<string> Snapshot(long now)
    {
        lock (_lock)
        {
            var ids = new List<string>(_ids.Count);
            foreach (KeyValuePair<string, long> entry in _ids)
            {
                if (now - entry.Value <= (long)lifetime.TotalMilliseconds)
                {
                    ids.Add(entry.Key);
                }
            }

            return ids;
        }
    }

    /// <summary>Whether <paramref name="id"/> is revoked and still within its lifetime at <paramref name="now"/>.</summary>
    public bool Contains(string id, long now)
    {
        lock (_lock)
        {
            return _ids.TryGetValue(id, out long at) && now - at <= (long)lifetime.TotalMilliseconds;
        }
    }

    private void Trim(long now)
    {
        long oldest = now - (long)lifetime.TotalMilliseconds;
        while (_order.TryPeek(out (string Id, long At) entry) && (_ids.Count > capacity || entry.At < oldest || _order.Count > 2 * capacity))
        {
            _order.Dequeue();

            // Only the newest queue entry of an id stands for it; older ones are stale places.
            if (_ids.TryGetValue(entry.Id, out long at) && at == entry.At)
            {
                _ids.Remove(entry.Id);
            }
        }
    }
}
