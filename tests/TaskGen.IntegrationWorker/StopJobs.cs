using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

namespace TaskGen.IntegrationWorker;

/// <summary>A task for the shutdown tests, which need to know which worker started which task, and how often.</summary>
public static class StopJobs
{
    private static readonly object s_lock = new();

    /// <summary>
    /// Appends <c>node id</c> to <paramref name="path"/> as it starts, then takes <paramref name="milliseconds"/>
    /// without looking at shutdown, so a stopping worker has to wait for it.
    /// </summary>
    [Task(Queue = "work")]
    public static async Task<int> Mark(string path, int id, int milliseconds, TaskContext context)
    {
        lock (s_lock)
        {
            System.IO.File.AppendAllText(path, FormattableString.Invariant($"{context.Hostname} {id}\n"));
        }

        await Task.Delay(milliseconds, CancellationToken.None);
        return id;
    }
}
