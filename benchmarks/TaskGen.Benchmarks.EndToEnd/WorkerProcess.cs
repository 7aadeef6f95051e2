using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// A worker started as a process of its own, so that its memory is its own and nothing of the producer's:
/// started, awaited until it prints its ready line, read under <c>/proc</c>, and killed with its children.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const string TaskGenReadyText = " ready: queues ";

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _launched;
    private readonly string _readyText;

    private WorkerProcess(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string readyText)
    {
        _readyText = readyText;
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable.Key] = variable.Value;
        }

        _launched = Stopwatch.GetTimestamp();
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => See(e.Data);
        _process.ErrorDataReceived += (_, e) => See(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The worker's process id, which TaskGen puts in the names of its connections.</summary>
    public int Id => _process.Id;

    /// <summary>Time from process start to its ready line.</summary>
    public double ReadyMilliseconds { get; private set; }

    /// <summary>Resident memory of the process now, in megabytes.</summary>
    public double RssMegabytes => ProcessMemory.Megabytes(_process.Id, "status", "VmRSS:");

    /// <summary>Proportional memory of the process now (shared pages split between their users), in megabytes.</summary>
    public double PssMegabytes => ProcessMemory.Megabytes(_process.Id, "smaps_rollup", "Pss:");

    /// <summary>Starts this harness in its <c>worker</c> mode on <paramref name="queues"/>.</summary>
    public static Task<WorkerProcess> StartHarnessAsync(string brokerUrl, string queues, int concurrency, string name) =>
        StartAsync("dotnet", [typeof(WorkerProcess).Assembly.Location, "worker", "-Q", queues, "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-n", name + "@%h", "--broker", brokerUrl]);

    /// <summary>Starts <paramref name="file"/> and waits for its ready line (a TaskGen worker's unless <paramref name="readyText"/> names another's).</summary>
    public static async Task<WorkerProcess> StartAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string readyText = TaskGenReadyText)
    {
        var worker = new WorkerProcess(file, arguments, environment, readyText);
        try
        {
            await worker._ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            await worker.DisposeAsync();
            lock (worker._output)
            {
                throw new TimeoutException($"{file} never said it was ready:\n{string.Join('\n', worker._output)}");
            }
        }

        return worker;
    }

    /// <summary>Kills the worker and its children and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void See(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // The last lines are enough to explain a worker that never became ready.
            if (_output.Count < 200)
            {
                _output.Add(line);
            }
        }

        if (line.Contains(_readyText, StringComparison.Ordinal) && !_ready.Task.IsCompleted)
        {
            ReadyMilliseconds = Stopwatch.GetElapsedTime(_launched).TotalMilliseconds;
            _ready.TrySetResult();
        }
    }
}
