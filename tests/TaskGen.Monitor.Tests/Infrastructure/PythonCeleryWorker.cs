using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Interop.Tests;

namespace TaskGen.Monitor.Tests;

/// <summary>
/// A Python Celery worker (5.6 from its sources, or Debian's 5.2) that sends task events (<c>-E</c>) while it runs
/// the tasks of <c>python/montasks.py</c> from one queue, and the client that sends it work (<c>python/monclient.py</c>).
/// </summary>
public sealed class PythonCeleryWorker : IAsyncDisposable
{
    private readonly ProgramProcess _process;
    private readonly string? _resultBackend;

    private PythonCeleryWorker(ProgramProcess process, string version, string brokerUrl, string queue, string nodeName, string? resultBackend)
    {
        _process = process;
        Version = version;
        BrokerUrl = brokerUrl;
        Queue = queue;
        NodeName = nodeName;
        _resultBackend = resultBackend;
    }

    /// <summary>The Celery release the worker runs, <see cref="Python.Celery56"/> or <see cref="Python.Celery52"/>.</summary>
    public string Version { get; }

    /// <summary>The broker the worker consumes from.</summary>
    public string BrokerUrl { get; }

    /// <summary>The one queue the worker consumes, where the client sends every task.</summary>
    public string Queue { get; }

    /// <summary>The worker's node name, as its events and monitors name it (<c>name@host</c>).</summary>
    public string NodeName { get; }

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the worker logged, for failure messages and for tests that wait on a log line.</summary>
    public IReadOnlyList<string> Output => _process.Lines;

    /// <summary>A node name no other test uses, such as <c>py56-1a2b3c4d@monitor</c>, so monitors on a shared broker tell workers apart.</summary>
    /// <param name="prefix">What the name starts with.</param>
    public static string UniqueNodeName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}@monitor";

    /// <summary>
    /// Starts the worker with events on, waits until it says it is ready, and checks its banner names <paramref name="version"/>.
    /// </summary>
    /// <param name="version">The Celery release: <see cref="Python.Celery56"/> or <see cref="Python.Celery52"/>.</param>
    /// <param name="brokerUrl">The broker.</param>
    /// <param name="queue">The queue it consumes and the client sends to; a name of the test's own keeps tests apart.</param>
    /// <param name="nodeName">Its node name, such as <see cref="UniqueNodeName"/> gives.</param>
    /// <param name="resultBackend">The result backend, or null for rpc://; a chord needs one that keeps results (redis://).</param>
    /// <param name="concurrency">How many tasks it runs at once.</param>
    /// <exception cref="InvalidOperationException">That Celery release cannot run here.</exception>
    /// <exception cref="TimeoutException">The worker exited or was not ready within <see cref="ProgramProcess.Guard"/>; the message holds its output.</exception>
    public static async Task<PythonCeleryWorker> StartAsync(string version, string brokerUrl, string queue, string nodeName, string? resultBackend = null, int concurrency = 2)
    {
        ProgramProcess process = ProgramProcess.StartExecutable(
            Python.Executable,
            ["-m", "celery", "-A", "montasks", "worker", "-E", "-Q", queue, "-n", nodeName, "-c", concurrency.ToString(CultureInfo.InvariantCulture), "--loglevel", "info", "--without-mingle", "--without-gossip"],
            Environment(version, brokerUrl, queue, resultBackend),
            Python.Directory);
        try
        {
            await process.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"Celery {version} worker {nodeName} to be ready");

            // The banner's first line: "celery@host v5.2.6 (dawn-chorus)".
            if (!process.Lines.Any(line => line.Contains($" v{version} (", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The worker did not say it runs Celery {version}:\n{string.Join("\n", process.Lines)}");
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new PythonCeleryWorker(process, version, brokerUrl, queue, nodeName, resultBackend);
    }

    /// <summary>Sends one task by name to <see cref="Queue"/> and returns its id, without waiting for it to run.</summary>
    /// <param name="task">The task's name, such as <c>mon.add</c>.</param>
    /// <param name="argumentsJson">Its arguments as a JSON array, such as <c>[2, 3]</c>.</param>
    public async Task<string> SendAsync(string task, string argumentsJson) =>
        (await ClientAsync("send", task, argumentsJson)).GetProperty("id").GetString()!;

    /// <summary>
    /// Sends one task of each kind (success, failure, retry, a group, and a chord unless on rpc://) and waits until each
    /// has ended; returns their ids: <c>add</c>, <c>fail</c>, <c>retry</c>, <c>group</c> (array), <c>chord_header</c> (array or null), <c>chord_body</c> (or null).
    /// </summary>
    public Task<JsonElement> SendMixAsync() => ClientAsync("mix");

    /// <summary>Stops the worker gracefully (SIGTERM, so it sends worker-offline), or kills it if it lingers.</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task<JsonElement> ClientAsync(params string[] arguments)
    {
        await using ProgramProcess client = ProgramProcess.StartExecutable(Python.Executable, ["monclient.py", .. arguments], Environment(Version, BrokerUrl, Queue, _resultBackend), Python.Directory);
        return await Python.ResultAsync(client, arguments);
    }

    private static Dictionary<string, string> Environment(string version, string brokerUrl, string queue, string? resultBackend)
    {
        Dictionary<string, string> variables = Python.Variables(version, brokerUrl, resultBackend);
        variables["MONTASKS_QUEUE"] = queue;
        return variables;
    }
}
