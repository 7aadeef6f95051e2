using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>Python producers calling tasks that TaskGen workers run.</summary>
public sealed class PythonCallsDotnetTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task ArgumentsResultsExceptionsAndUnknownNames(string celery)
    {
        await using ProgramProcess sample = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc,celery", "sample@%h");
        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");

        JsonElement result = await Python.ScenarioAsync(celery, Broker.Url, "call_dotnet");

        Assert.Equal(4.0, result.GetProperty("args").GetDouble());
        Assert.Equal(15.0, result.GetProperty("kwargs").GetDouble());
        Assert.Equal(6, result.GetProperty("mixed").GetInt32());
        JsonElement failure = result.GetProperty("failure");
        Assert.Equal("InvalidOperationException", failure.GetProperty("raised").GetString());
        Assert.Contains("boom", failure.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("NotRegistered", result.GetProperty("unknown").GetProperty("raised").GetString());
    }

    [CeleryTheory]
    public async Task CountdownEtaExpiresPriorityIgnoreResultAndHeaders(string celery)
    {
        await using ProgramProcess sample = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc,celery", "sample@%h");
        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");

        JsonElement result = await Python.ScenarioAsync(celery, Broker.Url, "options");

        Assert.Equal(2, result.GetProperty("countdown").GetInt32());
        Assert.True(result.GetProperty("countdown_seconds").GetDouble() >= 1.4, "The TaskGen worker ran the task before its countdown.");
        Assert.Equal(4, result.GetProperty("eta").GetInt32());
        Assert.True(result.GetProperty("eta_seconds").GetDouble() >= 1.4, "The TaskGen worker ran the task before its eta.");
        Assert.Equal("TaskRevokedError", result.GetProperty("expired").GetProperty("raised").GetString());
        Assert.Equal(7, result.GetProperty("priority").GetInt32());
        Assert.True(result.GetProperty("ignored_ran").GetBoolean(), "The task sent with ignore_result did not run.");
        Assert.Equal("abc-123", result.GetProperty("header").GetString());

        // ignore_result: the worker ran it and sent nothing back.
        string ignoredId = result.GetProperty("ignored_id").GetString()!;
        await jobs.WaitForLineAsync(line => line.Contains("Rejected", StringComparison.Ordinal) || line.Contains("ready", StringComparison.Ordinal), "the worker");
        Assert.DoesNotContain(jobs.Lines, line => line.Contains(ignoredId, StringComparison.Ordinal) && line.Contains("could not be sent", StringComparison.Ordinal));
    }

    [CeleryTheory]
    public async Task PythonChainsAndLinksThroughTaskGenTasks(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");
        await using ProgramProcess sample = await ProgramProcess.StartWorkerAsync(
            CeleryAppProgram, Broker.Url, "calc,celery", "sample@%h", 4,
            new System.Collections.Generic.Dictionary<string, string> { ["TaskGen__TaskRoutes__tasks.*"] = "py" });

        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");

        JsonElement result = await Python.ScenarioAsync(celery, Broker.Url, "chains");

        // A step that fails on a TaskGen worker fails the rest of the chain, so the Python caller hears of it.
        Assert.Equal("InvalidOperationException", result.GetProperty("failed_chain").GetProperty("raised").GetString());

        Assert.Equal(14, result.GetProperty("py_then_dotnet").GetInt32());
        Assert.Equal(104, result.GetProperty("dotnet_then_py").GetInt32());
        Assert.Equal(7, result.GetProperty("linked_parent").GetInt32());
        await python.WaitForLineAsync(line => line.Contains("tasks.add", StringComparison.Ordinal) && line.Contains("succeeded", StringComparison.Ordinal) && line.Contains(": 1007", StringComparison.Ordinal), "the linked Python task to run with the TaskGen result");
    }
}
