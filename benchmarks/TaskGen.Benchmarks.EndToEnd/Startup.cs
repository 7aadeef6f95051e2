using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// How fast a worker is ready and how much memory it holds idle: the sample worker under the JIT, the same
/// worker published with native AOT, and a Python Celery prefork worker of each release given, alternated in one run.
/// </summary>
internal static class Startup
{
    // A queue the sample declares: its worker refuses one no assembly declared.
    private const string Queue = "calc";

    // Published once per run, since it takes a minute or two; removed when the harness exits.
    private static readonly Lazy<Task<string>> s_nativeWorker = new(() =>
    {
        string published = Directory.CreateTempSubdirectory("taskgen-startup-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(published, recursive: true);
        return PublishAsync(Repository.Root(), published);
    });

    /// <summary>The medians of one contender's runs.</summary>
    /// <param name="Worker">Which worker.</param>
    /// <param name="Runs">How many times it was started.</param>
    /// <param name="ReadyMilliseconds">Median time from process start to the worker saying it is ready.</param>
    /// <param name="RssMegabytes">Median resident memory of the main process, 2 s after ready.</param>
    /// <param name="PssMegabytes">Median proportional memory of the whole process tree (Celery's pool children included), 2 s after ready.</param>
    public sealed record StartupFigures(string Worker, int Runs, double ReadyMilliseconds, double RssMegabytes, double PssMegabytes);

    public static async Task<IReadOnlyList<StartupFigures>> RunAsync(string brokerUrl, int runs, string? aotWorker, IReadOnlyList<CeleryRoundTrip.Release> celery)
    {
        string root = Repository.Root();
        string jit = Path.Combine(root, "samples", "CeleryApp", "bin", "Release", "net10.0", "CeleryApp.dll");
        if (!File.Exists(jit))
        {
            throw new FileNotFoundException($"{jit} is missing: build the solution in Release first.");
        }

        aotWorker ??= await NativeWorkerAsync();

        string[] worker = ["worker", "-Q", Queue, "-c", "2", "--broker", brokerUrl];
        var contenders = new List<(string Name, string File, string[] Arguments, string ReadyText, string? Directory, Dictionary<string, string> Environment)>
        {
            ("taskgen (JIT)", "dotnet", [jit, .. worker, "-n", "jit@%h"], " ready: queues ", null, []),
            ("taskgen (native AOT)", aotWorker, [.. worker, "-n", "aot@%h"], " ready: queues ", null, []),
        };
        foreach (CeleryRoundTrip.Release release in celery)
        {
            contenders.Add(($"{release.Contender} (prefork, -c 2)", CeleryRoundTrip.Python, ["-m", "celery", "-A", "benchtasks", "worker", "-Q", Queue, "-c", "2", "-P", "prefork", "-n", $"{release.Contender}@%h",
                "--loglevel", "info", "--without-mingle", "--without-gossip", "--without-heartbeat"], " ready.", CeleryRoundTrip.ScriptDirectory, release.Environment(brokerUrl)));
        }

        var samples = contenders.ToDictionary(c => c.Name, _ => new List<(double Ready, double Rss, double Pss)>());

        // Alternated, so that a busy moment on the machine falls on every contender alike.
        for (int run = 0; run < runs; run++)
        {
            foreach ((string name, string file, string[] arguments, string readyText, string? directory, Dictionary<string, string> environment) in contenders)
            {
                samples[name].Add(await MeasureAsync(file, arguments, readyText, directory, brokerUrl, environment));
            }
        }

        return contenders.Select(c => new StartupFigures(
            c.Name,
            runs,
            Median(samples[c.Name].Select(s => s.Ready)),
            Median(samples[c.Name].Select(s => s.Rss)),
            Median(samples[c.Name].Select(s => s.Pss)))).ToArray();
    }

    private static async Task<(double Ready, double Rss, double Pss)> MeasureAsync(string file, string[] arguments, string readyText, string? directory, string brokerUrl, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (directory is not null)
        {
            start.WorkingDirectory = directory;
        }

        start.Environment["BROKER_URL"] = brokerUrl;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (KeyValuePair<string, string> variable in environment)
        {
            start.Environment[variable.Key] = variable.Value;
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        void See(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line);
            }

            if (line.Contains(readyText, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        long launched = Stopwatch.GetTimestamp();
        using Process worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, e) => See(e.Data);
        worker.ErrorDataReceived += (_, e) => See(e.Data);
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            try
            {
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                lock (output)
                {
                    throw new TimeoutException($"{file} never said it was ready:\n{string.Join('\n', output)}");
                }
            }

            double readyMilliseconds = Stopwatch.GetElapsedTime(launched).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(2));
            double pss = Tree(worker.Id).Sum(pid => ProcessMemory.Megabytes(pid, "smaps_rollup", "Pss:"));
            return (readyMilliseconds, ProcessMemory.Megabytes(worker.Id, "status", "VmRSS:"), pss);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    /// <summary>
    /// The sample worker published with native AOT, shared by every workload that runs it.
    /// </summary>
    public static Task<string> NativeWorkerAsync() => s_nativeWorker.Value;

    private static async Task<string> PublishAsync(string root, string directory)
    {
        string output = Path.Combine(directory, "out");
        Console.Write("(publishing the sample worker with native AOT) ");
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(root, "samples", "CeleryApp", "CeleryApp.csproj"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "--artifacts-path", Path.Combine(directory, "artifacts"), "-o", output, "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process publish = Process.Start(start)!;
        Task<string> log = publish.StandardOutput.ReadToEndAsync();
        Task<string> errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        return publish.ExitCode == 0
            ? Path.Combine(output, "CeleryApp")
            : throw new InvalidOperationException($"dotnet publish failed (exit {publish.ExitCode}):\n{await log}\n{await errors}");
    }

    private static IEnumerable<int> Tree(int pid)
    {
        yield return pid;
        string children = Path.Combine("/proc", pid.ToString(CultureInfo.InvariantCulture), "task", pid.ToString(CultureInfo.InvariantCulture), "children");
        string text = File.Exists(children) ? File.ReadAllText(children) : string.Empty;
        foreach (string child in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (int descendant in Tree(int.Parse(child, CultureInfo.InvariantCulture)))
            {
                yield return descendant;
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
