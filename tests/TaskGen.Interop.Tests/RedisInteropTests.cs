using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>
/// The redis:// result backend between Python Celery and TaskGen: each reads what the other's workers stored,
/// by waiting on a call or by id alone.
/// </summary>
public sealed class RedisInteropTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [CeleryTheory]
    public async Task PythonReadsResultsATaskGenWorkerStored(string celery)
    {
        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(
            WorkerProgram, Broker.Url, "work", "jobs@%h", 4, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url });
        DirectoryInfo records = Directory.CreateTempSubdirectory("taskgen-redis-");
        JsonElement result;
        try
        {
            result = await Python.ScenarioOnBackendAsync(celery, Broker.Url, redis.Url, "redis_call_dotnet", Path.Combine(records.FullName, "flaky"));
        }
        finally
        {
            records.Delete(recursive: true);
        }

        Assert.Equal(42, result.GetProperty("value").GetInt32());
        Assert.Equal(42, result.GetProperty("by_id").GetInt32());
        Assert.Equal("SUCCESS", result.GetProperty("state").GetString());
        Assert.Equal("InvalidOperationException", result.GetProperty("failure").GetProperty("raised").GetString());
        Assert.Contains("boom", result.GetProperty("failure").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, result.GetProperty("retried").GetInt32());
    }

    [CeleryTheory]
    public async Task PythonReadsByIdWhatATaskGenCallerSent(string celery)
    {
        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(
            WorkerProgram, Broker.Url, "work", "jobs@%h", 4, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url });
        await using TaskApp app = CreateRedisApp();
        var sent = new List<AsyncResult<int>>();
        for (int i = 0; i < 5; i++)
        {
            sent.Add(await app.SendAsync(IntegrationWorker.Remote.Jobs.Add.Signature(i, 100)));
        }

        JsonElement result = await Python.ScenarioOnBackendAsync(celery, Broker.Url, redis.Url, ["redis_read", .. sent.Select(s => s.Id)]);

        Assert.Equal([100, 101, 102, 103, 104], result.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToArray());
    }

    [CeleryTheory]
    public async Task TaskGenReadsResultsAPythonWorkerStored(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h", resultBackend: redis.Url);
        await using TaskApp app = CreateRedisApp();

        AsyncResult<int> added = await app.SendAsync(Remote.PythonTasks.Add.Signature(2, 3));
        Assert.Equal(5, await added.GetAsync(Guard));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => app.Send(Remote.PythonTasks.Div.Signature(1, 0)).GetAsync(Guard));
        Assert.Equal("ZeroDivisionError", failure.RemoteType);
        Assert.Contains("Traceback", failure.RemoteTraceback, StringComparison.Ordinal);

        (int retried, _) = await Poll.ValueNotingRetryAsync(await app.SendAsync(Remote.PythonTasks.Flaky.Signature(2)));
        Assert.Equal(2, retried);

        // Another app, which never sent it, reads the Python worker's result by id.
        await using TaskApp other = CreateRedisApp();
        Assert.Equal(5, await other.GetResult(Remote.PythonTasks.Add.Descriptor, added.Id).GetAsync(Guard));
    }

    private TaskApp CreateRedisApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });
}
