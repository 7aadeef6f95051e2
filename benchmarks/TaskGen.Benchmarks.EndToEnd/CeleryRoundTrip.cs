using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>
/// Python Celery: a prefork worker and a Python producer on the same broker, at one of two releases: 5.6.3 from its
/// sources in <c>../shared/third_party/celery-5.6</c> (contender <c>celery</c>, what users run today) and Debian's
/// python3-celery 5.2.6 (contender <c>celery-5.2</c>).
/// </summary>
internal static class CeleryRoundTrip
{
    private static readonly string s_python = Environment.GetEnvironmentVariable("TASKGEN_PYTHON") is { Length: > 0 } given ? given : "/usr/bin/python3";
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>Celery 5.6.3 (kombu 5.6.2) from its sources beside the repository.</summary>
    public static readonly Release Current = new("celery", "5.6.3", "celery-5.6");

    /// <summary>Debian's python3-celery 5.2.6 (kombu 5.2.4).</summary>
    public static readonly Release Debian = new("celery-5.2", "5.2.6", null);

    /// <summary>Both releases, the contender named <c>celery</c> first.</summary>
    public static IReadOnlyList<Release> Releases { get; } = [Current, Debian];

    /// <summary>The Python interpreter with Celery.</summary>
    public static string Python => s_python;

    /// <summary>The folder of the Python side's modules, the working directory of every Python process.</summary>
    public static string ScriptDirectory => s_directory;

    /// <summary>Whether <paramref name="release"/> imports here, so the harness can say it skipped it rather than fail.</summary>
    public static bool IsAvailable(Release release)
    {
        try
        {
            var start = new ProcessStartInfo(s_python, ["-c", $"import celery, sys; sys.exit(celery.__version__ != '{release.Version}')"]) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (KeyValuePair<string, string> variable in release.Environment(string.Empty))
            {
                start.Environment[variable.Key] = variable.Value;
            }

            using Process? probe = Process.Start(start);
            probe?.WaitForExit();
            return probe?.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static async Task<Measurement> RunAsync(Release release, string brokerUrl, int tasks, int concurrency, int warmup)
    {
        Dictionary<string, string> environment = release.Environment(brokerUrl);
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
                throw new InvalidOperationException($"The Celery {release.Version} producer failed (exit {producer.ExitCode}):\n{errors}");
            }

            using JsonDocument figures = JsonDocument.Parse(last);
            JsonElement root = figures.RootElement;
            return new Measurement(release.Contender, "round-trip", root.GetProperty("tasks").GetInt32(), root.GetProperty("seconds").GetDouble(),
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

    /// <summary>A Celery release the harness runs: its contender name, its version, and where its sources are when not Debian's.</summary>
    /// <param name="Contender">The name <c>--only</c> selects and the table shows.</param>
    /// <param name="Version">What <c>celery.__version__</c> says.</param>
    /// <param name="Sources">The folder under <c>../shared/third_party</c> put on PYTHONPATH, or null for Debian's package.</param>
    internal sealed record Release(string Contender, string Version, string? Sources)
    {
        /// <summary>The environment of every Python process of this release on <paramref name="brokerUrl"/>.</summary>
        public Dictionary<string, string> Environment(string brokerUrl) => new()
        {
            ["BROKER_URL"] = brokerUrl,
            ["PYTHONDONTWRITEBYTECODE"] = "1",

            // Empty for Debian's, so that a PYTHONPATH the harness inherited cannot put another Celery first.
            ["PYTHONPATH"] = Sources is null ? string.Empty : Path.GetFullPath(Path.Combine(Repository.Root(), "..", "shared", "third_party", Sources)),
        };
    }
}
