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
    private readonly object _gate = new();
    private volatile bool _retired;

    /// <summary>
    /// Whether the consumer was cancelled: a delivery the broker had sent before the cancel took effect, and that is
    /// dispatched only now, goes back to the queue unstarted rather than run on a channel about to close.
    /// </summary>
    public bool Retired => _retired;

    /// <summary>
    /// Marks the consumer cancelled. A delivery admitted before is in the set when this returns, so a drain started
    /// after it waits for that delivery.
    /// </summary>
    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
        }
    }

    /// <summary>
    /// Admits a delivery unless the consumer is retired: the returned source stands in the set for the delivery until
    /// it is completed, which the caller does once the delivery's handling is added (or done); null when retired.
    /// </summary>
    public TaskCompletionSource? TryAdmit()
    {
        lock (_gate)
        {
            if (_retired)
            {
                return null;
            }

            // Checked and added under one lock with Retire: a delivery that saw the consumer live is visible to its drain.
            var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Add(admitted.Task);
            return admitted;
        }
    }

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
