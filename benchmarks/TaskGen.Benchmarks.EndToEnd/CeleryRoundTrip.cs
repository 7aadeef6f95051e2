using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>Python Celery 5.2 (Debian's python3-celery): a prefork worker and a Python producer on the same broker.</summary>
internal static class CeleryRoundTrip
{
    private static readonly string s_python = Environment.GetEnvironmentVariable("TASKGEN_PYTHON") is { Length: > 0 } given ? given : "/usr/bin/python3";
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>The Python interpreter with Celery.</summary>
    public static string Python => s_python;

    /// <summary>The folder of the Python side's modules, the working directory of every Python process.</summary>
    public static string ScriptDirectory => s_directory;

    /// <summary>Whether Python Celery is installed, so the harness can say it skipped Celery rather than fail.</summary>
    public static bool IsAvailable()
    {
        try
        {
            using Process? probe = Process.Start(new ProcessStartInfo(s_python, ["-c", "import celery"]) { RedirectStandardError = true, RedirectStandardOutput = true });
            probe?.WaitForExit();
            return probe?.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup)
    {
        var environment = new Dictionary<string, string> { ["BROKER_URL"] = brokerUrl, ["PYTHONDONTWRITEBYTECODE"] = "1" };
        using Process worker = Start(["-m", "celery", "-A", "benchtasks", "worker", "-Q", "bench.celery", "-c", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-P", "prefork", "-n", "bench-celery@%h", "--loglevel", "info", "--without-mingle", "--without-gossip", "--purge"], environment);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" ready.", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        worker.OutputDataReceived += (_, _) => { };
        worker.BeginErrorReadLine();
        worker.BeginOutputReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using Process producer = Start(["bench_celery.py", tasks.ToString(System.Globalization.CultureInfo.InvariantCulture), warmup.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);
            string output = await producer.StandardOutput.ReadToEndAsync();
            string errors = await producer.StandardError.ReadToEndAsync();
            await producer.WaitForExitAsync();
            string? last = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
            if (producer.ExitCode != 0 || last is null)
            {
                throw new InvalidOperationException($"The Celery producer failed (exit {producer.ExitCode}):\n{errors}");
            }

            using JsonDocument figures = JsonDocument.Parse(last);
            JsonElement root = figures.RootElement;
            return new Measurement("celery", "round-trip", root.GetProperty("tasks").GetInt32(), root.GetProperty("seconds").GetDouble(),
                root.GetProperty("p50_ms").GetDouble(), root.GetProperty("p99_ms").GetDouble());
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    private static Process Start(IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(s_python, arguments) { WorkingDirectory = s_directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (KeyValuePair<string, string> variable in environment)
        {
            start.Environment[variable.Key] = variable.Value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Python could not be started.");
    }
}
