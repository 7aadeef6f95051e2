using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>A TaskGen program (a worker, or a one-shot command) running as its own process, with its output kept.</summary>
public sealed class ProgramProcess : IAsyncDisposable
{
    /// <summary>How long any wait may take before the test gives up; only a guard against hangs.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<string>? _onLine;

    private ProgramProcess(Process process) => _process = process;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Everything the program wrote, stdout and stderr interleaved.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet program.dll args...</c>.</summary>
    public static ProgramProcess Start(string program, params string[] arguments) => StartExecutable("dotnet", [program, .. arguments]);

    /// <summary>Starts any executable (Python's, for the interop tests) with extra environment variables.</summary>
    public static ProgramProcess StartExecutable(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable.Key] = variable.Value;
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var program_ = new ProgramProcess(process);
        process.OutputDataReceived += (_, e) => program_.Add(e.Data);
        process.ErrorDataReceived += (_, e) => program_.Add(e.Data);
        process.Exited += (_, _) => program_._exited.TrySetResult();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return program_;
    }

    /// <summary>Starts a worker and waits until it says it is ready.</summary>
    public static async Task<ProgramProcess> StartWorkerAsync(string program, string brokerUrl, string queues, string nodeName, int concurrency = 4, params string[] extra) =>
        await StartWorkerAsync(program, brokerUrl, queues, nodeName, concurrency, null, extra);

    /// <summary>Starts a worker with extra environment variables and waits until it says it is ready.</summary>
    public static async Task<ProgramProcess> StartWorkerAsync(string program, string brokerUrl, string queues, string nodeName, int concurrency, IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        ProgramProcess worker = StartExecutable(
            "dotnet",
            [program, "worker", "-Q", queues, "-n", nodeName, "-c", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--broker", brokerUrl, "--loglevel", "info", .. extra],
            environment);
        await worker.WaitForLineAsync(line => line.Contains(" ready: queues ", StringComparison.Ordinal), $"{nodeName} to be ready");
        return worker;
    }

    /// <summary>Runs a one-shot command to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        await using ProgramProcess command = Start(program, arguments);
        await command.WaitForExitAsync();
        return (command.ExitCode, string.Join("\n", command.Lines));
    }

    /// <summary>Runs any executable to its end, waiting up to <paramref name="limit"/> (a build takes longer than a command).</summary>
    public static async Task<(int ExitCode, string Output)> RunExecutableAsync(string fileName, string[] arguments, TimeSpan? limit = null)
    {
        await using ProgramProcess command = StartExecutable(fileName, arguments);
        await command.WaitForExitAsync(limit ?? Guard);
        return (command.ExitCode, string.Join("\n", command.Lines));
    }

    /// <summary>Waits until the program writes a line that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _onLine = line =>
        {
            if (match(line))
            {
                found.TrySetResult(line);
            }
        };
        foreach (string line in _lines)
        {
            _onLine(line);
        }

        Task finished = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(Guard));
        if (finished != found.Task)
        {
            throw new TimeoutException($"Gave up waiting for {what}; the program {(_exited.Task.IsCompleted ? "exited" : "kept running")}. Its output:\n{string.Join("\n", _lines)}");
        }

        return await found.Task;
    }

    /// <summary>Sends SIGTERM, as systemd and <c>kill</c> do.</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Kills the program at once (SIGKILL, as <c>kill -9</c>): nothing of it runs after this returns.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Whether the program has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the program to exit.</summary>
    public Task WaitForExitAsync() => WaitForExitAsync(Guard);

    /// <summary>Waits up to <paramref name="limit"/> for the program to exit.</summary>
    public async Task WaitForExitAsync(TimeSpan limit)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(limit)) != _exited.Task)
        {
            throw new TimeoutException($"The program did not exit. Its output:\n{string.Join("\n", _lines)}");
        }

        _process.WaitForExit();
    }

    /// <summary>Stops the program gracefully if it still runs, then releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            if (await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(20))) != _exited.Task)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        _onLine?.Invoke(line);
    }
}
