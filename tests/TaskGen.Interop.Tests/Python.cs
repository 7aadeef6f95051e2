using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>
/// Runs Debian's Python Celery 5.2 (workers, the <c>celery</c> command, the scenario scripts in <c>python/</c>), and Celery
/// 5.6 from its sources for the tests that need a current release.
/// </summary>
internal static class Python
{
    /// <summary>The interpreter that has <c>python3-celery</c>; TASKGEN_PYTHON overrides it.</summary>
    public static readonly string Executable = Environment.GetEnvironmentVariable("TASKGEN_PYTHON") is { Length: > 0 } given ? given : "/usr/bin/python3";

    /// <summary>Where the Python app and scripts are, beside the test binaries.</summary>
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>The Python app's environment: its broker, and its result backend when not the default rpc://.</summary>
    public static Dictionary<string, string> Variables(string brokerUrl, string? resultBackend = null)
    {
        var variables = new Dictionary<string, string> { ["BROKER_URL"] = brokerUrl, ["PYTHONDONTWRITEBYTECODE"] = "1" };
        if (resultBackend is not null)
        {
            variables["RESULT_BACKEND"] = resultBackend;
        }

        return variables;
    }

    /// <summary>Starts a Python Celery worker and waits until it says it is ready.</summary>
    /// <param name="environment">Variables added to <see cref="Variables"/>, such as <c>PYTASKS_PER_CONSUMER_QOS</c>.</param>
    /// <param name="resultBackend">The Python app's result backend when not rpc://.</param>
    public static async Task<ProgramProcess> StartWorkerAsync(string brokerUrl, string queues, string nodeName, IReadOnlyDictionary<string, string>? environment = null, string? resultBackend = null)
    {
        Dictionary<string, string> variables = Variables(brokerUrl, resultBackend);
        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            variables[variable.Key] = variable.Value;
        }

        ProgramProcess worker = ProgramProcess.StartExecutable(
            Executable,
            ["-m", "celery", "-A", "pytasks", "worker", "-Q", queues, "-n", nodeName, "-c", "2", "--loglevel", "info", "--without-mingle", "--without-gossip"],
            variables,
            Directory);
        await worker.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"Python worker {nodeName} to be ready");
        return worker;
    }

    /// <summary>
    /// Celery 5.6.3's sources, with kombu 5.6.2 and py-amqp 5.3.1, in <c>../shared/third_party/celery-5.6</c> beside the
    /// repository (Debian ships only 5.2); null when that folder is missing.
    /// </summary>
    public static string? Celery56 { get; } = FindCelery56();

    /// <summary>Why the Celery 5.6 tests cannot run here, or null when they can.</summary>
    public static string? Celery56Missing => Celery56 is null ? $"Celery 5.6's sources are not at {Path.GetFullPath(Path.Combine(RabbitMqFixture.RepositoryRoot, "..", "shared", "third_party", "celery-5.6"))}." : null;

    /// <summary>Starts a Celery 5.6 worker of <c>pytasks56</c> and waits until it says it is ready.</summary>
    public static async Task<ProgramProcess> StartCelery56WorkerAsync(string brokerUrl, string queues, string nodeName)
    {
        ProgramProcess worker = ProgramProcess.StartExecutable(
            Executable,
            ["-m", "celery", "-A", "pytasks56", "worker", "-Q", queues, "-n", nodeName, "-c", "2", "--loglevel", "info", "--without-mingle", "--without-gossip"],
            Celery56Variables(brokerUrl),
            Directory);
        await worker.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"Celery 5.6 worker {nodeName} to be ready");
        return worker;
    }

    /// <summary>
    /// Starts the 5.2 tests' <c>pytasks</c> app on Celery 5.6's sources, with its result backend, and waits until it says it is
    /// ready: the same tasks on the current release, for the canvases both releases must read alike.
    /// </summary>
    public static async Task<ProgramProcess> StartCelery56PytasksWorkerAsync(string brokerUrl, string queues, string nodeName, string resultBackend)
    {
        Dictionary<string, string> variables = Celery56Variables(brokerUrl);
        variables["RESULT_BACKEND"] = resultBackend;
        ProgramProcess worker = ProgramProcess.StartExecutable(
            Executable,
            ["-m", "celery", "-A", "pytasks", "worker", "-Q", queues, "-n", nodeName, "-c", "2", "--loglevel", "info", "--without-mingle", "--without-gossip"],
            variables,
            Directory);
        await worker.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"Celery 5.6 worker {nodeName} to be ready");
        return worker;
    }

    /// <summary>Runs a scenario of <c>client56.py</c> on Celery 5.6 and returns the JSON it prints last.</summary>
    public static async Task<JsonElement> Celery56ScenarioAsync(string brokerUrl, params string[] arguments)
    {
        await using ProgramProcess script = StartCelery56Scenario(brokerUrl, arguments);
        return await ResultAsync(script, arguments);
    }

    /// <summary>Starts a scenario of <c>client56.py</c> on Celery 5.6 that a test follows; <see cref="ResultAsync"/> reads its JSON.</summary>
    public static ProgramProcess StartCelery56Scenario(string brokerUrl, params string[] arguments) =>
        ProgramProcess.StartExecutable(Executable, ["client56.py", .. arguments], Celery56Variables(brokerUrl), Directory);

    // The python/ folder holds no amqp.py, kombu.py or celery.py, so these imports come from the sources on PYTHONPATH.
    private static Dictionary<string, string> Celery56Variables(string brokerUrl)
    {
        Dictionary<string, string> variables = Variables(brokerUrl);
        variables["PYTHONPATH"] = Celery56 ?? throw new InvalidOperationException(Celery56Missing);
        return variables;
    }

    private static string? FindCelery56()
    {
        string path = Path.GetFullPath(Path.Combine(RabbitMqFixture.RepositoryRoot, "..", "shared", "third_party", "celery-5.6"));
        return System.IO.Directory.Exists(Path.Combine(path, "celery")) ? path : null;
    }

    /// <summary>Runs <c>python -m celery -A pytasks ARGS</c> to its end.</summary>
    public static async Task<(int ExitCode, string Output)> CeleryAsync(string brokerUrl, params string[] arguments)
    {
        await using ProgramProcess command = ProgramProcess.StartExecutable(Executable, ["-m", "celery", "-A", "pytasks", .. arguments], Variables(brokerUrl), Directory);
        await command.WaitForExitAsync();
        return (command.ExitCode, string.Join("\n", command.Lines));
    }

    /// <summary>Runs a scenario of <c>client.py</c> and returns the JSON it prints last.</summary>
    public static Task<JsonElement> ScenarioAsync(string brokerUrl, params string[] arguments) => ScenarioOnBackendAsync(brokerUrl, null, arguments);

    /// <summary>Runs a scenario of <c>client.py</c> with the Python app on <paramref name="resultBackend"/> and returns the JSON it prints last.</summary>
    public static async Task<JsonElement> ScenarioOnBackendAsync(string brokerUrl, string? resultBackend, params string[] arguments)
    {
        await using ProgramProcess script = ProgramProcess.StartExecutable(Executable, ["client.py", .. arguments], Variables(brokerUrl, resultBackend), Directory);
        return await ResultAsync(script, arguments);
    }

    /// <summary>Starts a scenario of <c>client.py</c> that a test follows line by line; <see cref="ResultAsync"/> reads its JSON.</summary>
    public static ProgramProcess StartScenario(string brokerUrl, params string[] arguments) =>
        ProgramProcess.StartExecutable(Executable, ["client.py", .. arguments], Variables(brokerUrl, null), Directory);

    /// <summary>Waits for a scenario to end and returns the JSON it prints last, failing with its output if it failed.</summary>
    public static async Task<JsonElement> ResultAsync(ProgramProcess script, string[] arguments)
    {
        await script.WaitForExitAsync();
        string output = string.Join("\n", script.Lines);
        string? last = script.Lines.LastOrDefault(line => line.StartsWith('{'));
        Assert.True(script.ExitCode == 0 && last is not null, $"client.py {string.Join(' ', arguments)} failed (exit {script.ExitCode}):\n{output}");
        return JsonDocument.Parse(last!).RootElement.Clone();
    }
}
