using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

[assembly: TaskQueue(TaskGen.Benchmarks.EndToEnd.SoakTasks.Queue)]

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>The soak workload's task: it writes a line when it starts and one when it ends, so every run of every task can be counted.</summary>
public static class SoakTasks
{
    /// <summary>The soak's own queue, so nothing another workload left behind runs under the drops.</summary>
    public const string Queue = "bench.soak";

    private static readonly object s_logLock = new();

    /// <summary>
    /// Writes <c>S index microseconds</c> to <paramref name="log"/>, waits <paramref name="milliseconds"/>, then writes
    /// <c>E index microseconds</c> (Unix time, which the broker's clock on the same machine also reads).
    /// </summary>
    [Task(Queue = Queue)]
    public static async Task<int> SoakRun(int index, int milliseconds, string log)
    {
        Write(log, 'S', index);
        await Task.Delay(milliseconds, CancellationToken.None);
        Write(log, 'E', index);
        return index;
    }

    private static void Write(string log, char kind, int index)
    {
        long micros = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
        string line = string.Create(CultureInfo.InvariantCulture, $"{kind} {index} {micros}\n");

        // One lock for the process: .NET's append mode seeks to the end rather than appending atomically, so
        // concurrent runs writing on their own would overwrite each other's lines.
        lock (s_logLock)
        {
            File.AppendAllText(log, line);
        }
    }
}
