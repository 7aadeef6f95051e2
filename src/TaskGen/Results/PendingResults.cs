using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace TaskGen.Results;

/// <summary>
/// The results an app awaits, one entry a key: a table every backend keeps its waiters in, so that refusing a task
/// id awaited twice, giving up on results that never came, and ending every waiter at once are decided in one place.
/// </summary>
/// <typeparam name="TKey">What an entry is found by: the task id, or the sink for a broadcast's collector.</typeparam>
/// <typeparam name="TEntry">What a backend keeps for one waiter.</typeparam>
internal sealed class PendingResults<TKey, TEntry>
    where TKey : notnull
    where TEntry : class
{
    // Often enough to bound what lost results hold, rarely enough that the scan costs nothing per registration.
    private const int SweepEvery = 4096;

    private readonly ConcurrentDictionary<TKey, TEntry> _entries;
    private readonly Func<TEntry, long> _registeredAt;
    private readonly TimeSpan _expires;
    private int _registrations;

    /// <param name="comparer">How keys compare (ordinal for ids, by reference for sinks).</param>
    /// <param name="expires">How long a result is awaited before the sweep gives up on it (<see cref="TaskAppOptions.ResultExpires"/>).</param>
    /// <param name="registeredAt">When an entry was registered, in <see cref="Environment.TickCount64"/> milliseconds.</param>
    public PendingResults(IEqualityComparer<TKey> comparer, TimeSpan expires, Func<TEntry, long> registeredAt)
    {
        _entries = new ConcurrentDictionary<TKey, TEntry>(comparer);
        _expires = expires;
        _registeredAt = registeredAt;
    }

    public int Count => _entries.Count;

    public bool IsEmpty => _entries.IsEmpty;

    public ICollection<TEntry> Values => _entries.Values;

    /// <summary>Adds the waiter of <paramref name="key"/>, refusing a second one, which would take the first one's result.</summary>
    /// <exception cref="InvalidOperationException">A result for the same task id is already awaited here.</exception>
    public void Add(TKey key, TEntry entry)
    {
        if (!_entries.TryAdd(key, entry))
        {
            throw new InvalidOperationException($"Task id {key} is already awaited by this app: give each pending call its own TaskId, or wait for the first result before reusing it.");
        }
    }

    public bool TryAdd(TKey key, TEntry entry) => _entries.TryAdd(key, entry);

    /// <summary>Sets the entry of <paramref name="key"/>, for keys that cannot repeat (a collector's own sink).</summary>
    public void Set(TKey key, TEntry entry) => _entries[key] = entry;

    public bool TryGet(TKey key, out TEntry entry) => _entries.TryGetValue(key, out entry!);

    public bool TryRemove(TKey key, out TEntry entry) => _entries.TryRemove(key, out entry!);

    /// <summary>Removes <paramref name="entry"/> only if it still holds <paramref name="key"/>: true for the one caller that removed it.</summary>
    public bool Remove(TKey key, TEntry entry) => _entries.TryRemove(new KeyValuePair<TKey, TEntry>(key, entry));

    /// <summary>Whether <paramref name="entry"/> still holds <paramref name="key"/>.</summary>
    public bool Holds(TKey key, TEntry entry) => _entries.TryGetValue(key, out TEntry? current) && ReferenceEquals(current, entry);

    /// <summary>Counts one registration, and says whether this one should sweep (every 4,096th).</summary>
    public bool SweepDue() => Interlocked.Increment(ref _registrations) % SweepEvery == 0;

    /// <summary>
    /// Removes the entries registered longer ago than <see cref="TaskAppOptions.ResultExpires"/>, whose results a
    /// purged task or a dropped message means never come, and hands each to <paramref name="expired"/> with the exception to fail it with.
    /// </summary>
    public void Sweep(Action<TEntry, TimeoutException> expired)
    {
        long registeredBefore = Environment.TickCount64 - (long)_expires.TotalMilliseconds;
        RemoveAll(entry => _registeredAt(entry) < registeredBefore, (key, entry) =>
            expired(entry, new TimeoutException($"No result for task {Describe(key)} arrived within ResultExpires ({_expires}); it is no longer awaited.")));
    }

    /// <summary>Removes every entry <paramref name="which"/> picks, each once even against concurrent removals, and hands it to <paramref name="removed"/>.</summary>
    /// <returns>How many were removed.</returns>
    public int RemoveAll(Func<TEntry, bool> which, Action<TKey, TEntry> removed)
    {
        int count = 0;
        foreach (KeyValuePair<TKey, TEntry> entry in _entries)
        {
            if (which(entry.Value) && _entries.TryRemove(entry))
            {
                count++;
                removed(entry.Key, entry.Value);
            }
        }

        return count;
    }

    private static string Describe(TKey key) => key is IResultSink sink ? sink.Id : key.ToString()!;
}
