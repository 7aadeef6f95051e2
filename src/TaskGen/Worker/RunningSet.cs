using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Worker;

/// <summary>
/// The handling of what one consumer delivered, from its arrival until its message is settled: a consumer cancelled
/// at run time waits for this set to empty before its channel closes, so nothing it held is lost or delivered twice.
/// </summary>
internal sealed class RunningSet
{
    private readonly ConcurrentDictionary<Task, bool> _tasks = new();
    private volatile bool _retired;

    /// <summary>
    /// Whether the consumer was cancelled: a delivery the broker had sent before the cancel took effect, and that is
    /// dispatched only now, goes back to the queue unstarted rather than run on a channel about to close.
    /// </summary>
    public bool Retired => _retired;

    /// <summary>Marks the consumer cancelled.</summary>
    public void Retire() => _retired = true;

    /// <summary>How many are unfinished.</summary>
    public int Count => _tasks.Count;

    /// <summary>Adds <paramref name="task"/>, which leaves the set by itself when it ends.</summary>
    public void Add(Task task)
    {
        _tasks.TryAdd(task, true);
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _tasks, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes once the set is empty, taking it again as handled deliveries hand over their runs.</summary>
    public async Task DrainAsync()
    {
        while (!_tasks.IsEmpty)
        {
            Task all = Task.WhenAll(_tasks.Keys.ToArray());
            try
            {
                await all.ConfigureAwait(false);
            }
            catch
            {
                // Handlers catch what they meet; whatever escaped one is its own log's concern, not the drain's.
            }
        }
    }
}
