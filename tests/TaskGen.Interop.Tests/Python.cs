using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>Runs Debian's Python Celery 5.2: workers, the <c>celery</c> command, and the scenario scripts in <c>python/</c>.</summary>
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
