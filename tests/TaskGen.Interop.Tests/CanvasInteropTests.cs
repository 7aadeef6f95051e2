using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Worker;

namespace TaskGen.Interop.Tests;

/// <summary>
/// Chords and nested canvases that Python Celery builds, run partly or wholly on a TaskGen worker, under Celery 5.2
/// (Debian's) and Celery 5.6 (its sources): parts of either language join one chord through Celery's Redis keys,
/// and Python reads the body's result, or its ChordError, as if Celery had joined it. Each test has its own queues.
/// </summary>
public sealed class CanvasInteropTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [CeleryTheory]
    public async Task APythonChordWhoseHeaderRunsOnTaskGenCallsItsPythonBody(string celery)
    {
        JsonElement value = await RunAsync(celery, "tg_header");

        Assert.Equal(1 + 4 + 9 + 16, value.GetInt32());
    }

    [CeleryTheory]
    public async Task AHeaderOfPythonAndTaskGenPartsJoinsInHeaderOrder(string celery)
    {
        JsonElement value = await RunAsync(celery, "mixed_header");

        Assert.Equal("1,4,9,16,25", value.GetString());
    }

    [CeleryTheory]
    public async Task APythonChainOfAGroupAndAChordRunsOnTaskGenAsCeleryUpgradesIt(string celery)
    {
        JsonElement value = await RunAsync(celery, "chain_group_chord");

        Assert.Equal("6,6", value.GetString());
    }

    [CeleryTheory]
    public async Task NestedGroupsInAHeaderAreCountedAsCelerysDescendCountsThem(string celery)
    {
        JsonElement value = await RunAsync(celery, "nested_groups");

        // Celery unrolls nested header groups into one and counts four parts, not two; its unrolling reverses each nested
        // group (square(1), then 4, 3, 2), and the body gets one flat list in that group_index order.
        Assert.Equal([1, 16, 9, 4], value.EnumerateArray().Select(v => v.GetInt32()));
    }

    [CeleryTheory]
    public async Task AFailingTaskGenPartFailsThePythonBodyWithChordError(string celery)
    {
        JsonElement value = await RunAsync(celery, "failing_part");

        Assert.Equal("ChordError", value.GetProperty("raised").GetString());
        Assert.Matches("^Dependency [0-9a-f-]{36} raised InvalidOperationException\\('bad input'\\)$", value.GetProperty("message").GetString());
        Assert.Equal("FAILURE", value.GetProperty("state").GetString());
    }

    // Starts a TaskGen worker on the test's canvas.* queue and a Python worker of the given Celery on its pycanvas.* queue,
    // runs the scenario as a Python producer, and returns the value it printed.
    private async Task<JsonElement> RunAsync(string version, string scenario)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string tgQueue = $"canvas-tg-{suffix}";
        string pyQueue = $"canvas-py-{suffix}";
        Dictionary<string, string> variables = Python.Variables(version, Broker.Url, redis.Url);
        variables["CANVAS_TG_QUEUE"] = tgQueue;
        variables["CANVAS_PY_QUEUE"] = pyQueue;

        var logs = new CapturedLogs();
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.LoggerFactory = logs;
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = redis.Url;
            b.Options.TaskCreateMissingQueues = true;
            b.Options.TaskRoutes["pycanvas.*"] = pyQueue;

            // What the worker sends on routes as the Python app does: Celery's messages leave routing to the sender.
            b.Options.TaskRoutes["canvas.*"] = tgQueue;
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });
        await using TaskWorker worker = app.CreateWorker(new WorkerOptions { Queues = [tgQueue], Concurrency = 4, NodeName = $"canvas-{suffix}@test" });
        await worker.StartAsync();
        await using ProgramProcess python = ProgramProcess.StartExecutable(
            Python.Executable,
            ["-m", "celery", "-A", "canvasapp", "worker", "-Q", pyQueue, "-n", $"py-{suffix}@%h", "-c", "2", "--loglevel", "info", "--without-mingle", "--without-gossip"],
            variables,
            Python.Directory);
        await python.WaitForLineAsync(line => line.Contains(" ready.", StringComparison.Ordinal), $"the Celery {version} worker to be ready");

        await using ProgramProcess script = ProgramProcess.StartExecutable(Python.Executable, ["canvas.py", scenario], variables, Python.Directory);
        JsonElement printed;
        try
        {
            printed = await Python.ResultAsync(script, [scenario]);
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException($"{ex.Message}{Environment.NewLine}The TaskGen worker's log:{Environment.NewLine}{logs.Text}{Environment.NewLine}The Python worker's log:{Environment.NewLine}{string.Join(Environment.NewLine, python.Lines)}", ex);
        }

        Assert.Equal(version, printed.GetProperty("celery").GetString());
        return printed.GetProperty("value");
    }
}
