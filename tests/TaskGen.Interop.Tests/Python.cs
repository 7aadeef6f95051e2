using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>
/// Runs Python Celery (workers, the <c>celery</c> command, the scenarios of <c>python/client.py</c>) at one of the
/// releases in <see cref="Versions"/>: Debian's 5.2.6, or 5.6.3 from its sources beside the repository.
/// </summary>
internal static class Python
{
    /// <summary>Debian's <c>python3-celery</c>, with kombu 5.2.4.</summary>
    public const string Celery52 = "5.2.6";

    /// <summary>Celery 5.6.3 with kombu 5.6.2 and py-amqp 5.3.1, from <c>../shared/third_party/celery-5.6</c> (Debian ships only 5.2).</summary>
    public const string Celery56 = "5.6.3";

    /// <summary>Every release the interop tests run against, in the order they run.</summary>
    public static readonly IReadOnlyList<string> Versions = [Celery52, Celery56];

    /// <summary>The interpreter that has <c>python3-celery</c>; TASKGEN_PYTHON overrides it.</summary>
    public static readonly string Executable = Environment.GetEnvironmentVariable("TASKGEN_PYTHON") is { Length: > 0 } given ? given : "/usr/bin/python3";

    /// <summary>Where the Python app and scripts are, beside the test binaries.</summary>
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "python");

    private static readonly string s_celery56Sources = Path.GetFullPath(Path.Combine(RabbitMqFixture.RepositoryRoot, "..", "shared", "third_party", "celery-5.6"));

    /// <summary>Why <paramref name="version"/> cannot run here, or null when it can.</summary>
    public static string? Missing(string version) => version switch
    {
        Celery52 => null,
        Celery56 => System.IO.Directory.Exists(Path.Combine(s_celery56Sources, "celery")) ? null : $"Celery 5.6's sources are not at {s_celery56Sources}.",
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Not a Celery release the interop tests know."),
    };

    /// <summary>The Python app's environment at <paramref name="version"/>: its broker, and its result backend when not the default rpc://.</summary>
    public static Dictionary<string, string> Variables(string version, string brokerUrl, string? resultBackend = null)
    {
        // An empty PYTHONPATH for 5.2 keeps one inherited from the caller from putting another Celery first.
        var variables = new Dictionary<string, string> { ["BROKER_URL"] = brokerUrl, ["PYTHONDONTWRITEBYTECODE"] = "1", ["PYTHONPATH"] = string.Empty };
        if (version == Celery56)
        {
            // The python/ folder holds no amqp.py, kombu.py or celery.py, so these imports come from the sources.
            variables["PYTHONPATH"] = Missing(version) is { } missing ? throw new InvalidOperationException(missing) : s_celery56Sources;
        }
        else
        {
            _ = Missing(version);
        }

        if (resultBackend is not null)
        {
            variables["RESULT_BACKEND"] = resultBackend;
        }

        return variables;
    }

    /// <summary>Starts a Python Celery worker at <paramref name="version"/>, waits until it says it is ready, and checks its banner names that release.</summary>
    /// <param name="environment">Variables added to <see cref="Variables"/>, such as <c>PYTASKS_PER_CONSUMER_QOS</c>.</param>
    /// <param name="resultBackend">The Python app's result backend when not rpc://.</param>
    public static async Task<ProgramProcess> StartWorkerAsync(string version, string brokerUrl, string queues, string nodeName, IReadOnlyDictionary<string, string>? environment = null, string? resultBackend = null)
    {
        Dictionary<string, string> variables = Variables(version, brokerUrl, resultBackend);
        variables["PYTASKS_QUEUES"] = queues;
        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            variables[variable.Key] = variable.Value;
        }

        ProgramProcess worker = ProgramProcess.StartExecutable(
            Executable,
            ["-m", "celery", "-A", "pytasks", "worker", "-Q", queues, "-n", nodeName, "-c", "2", "--loglevel", "info", "--without-mingle", "--without-gossip"],
            variables,
            Directory);
        await worker.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"Celery {version} worker {nodeName} to be ready");

        // The banner's first line: "celery@host v5.2.6 (dawn-chorus)".
        Assert.True(worker.Lines.Any(line => line.Contains($" v{version} (", StringComparison.Ordinal)), $"The worker did not say it runs Celery {version}:\n{string.Join("\n", worker.Lines)}");
        return worker;
    }

    /// <summary>Runs <c>python -m celery -A pytasks ARGS</c> at <paramref name="version"/> to its end.</summary>
    public static async Task<(int ExitCode, string Output)> CeleryAsync(string version, string brokerUrl, params string[] arguments)
    {
        await using ProgramProcess command = ProgramProcess.StartExecutable(Executable, ["-m", "celery", "-A", "pytasks", .. arguments], Variables(version, brokerUrl), Directory);
        await command.WaitForExitAsync();
        return (command.ExitCode, string.Join("\n", command.Lines));
    }

    /// <summary>Runs a scenario of <c>client.py</c> at <paramref name="version"/> and returns the JSON it prints last.</summary>
    public static Task<JsonElement> ScenarioAsync(string version, string brokerUrl, params string[] arguments) => ScenarioOnBackendAsync(version, brokerUrl, null, arguments);

    /// <summary>Runs a scenario of <c>client.py</c> at <paramref name="version"/> with the Python app on <paramref name="resultBackend"/> and returns the JSON it prints last.</summary>
    public static async Task<JsonElement> ScenarioOnBackendAsync(string version, string brokerUrl, string? resultBackend, params string[] arguments)
    {
        await using ProgramProcess script = ProgramProcess.StartExecutable(Executable, ["client.py", .. arguments], Variables(version, brokerUrl, resultBackend), Directory);
        return await ResultAsync(script, arguments);
    }

    /// <summary>Starts a scenario of <c>client.py</c> at <paramref name="version"/> that a test follows line by line; <see cref="ResultAsync"/> reads its JSON.</summary>
    public static ProgramProcess StartScenario(string version, string brokerUrl, params string[] arguments) =>
        ProgramProcess.StartExecutable(Executable, ["client.py", .. arguments], Variables(version, brokerUrl), Directory);

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
