using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;

namespace TaskGen.Interop.Tests;

/// <summary>Retries across languages: each side retries what the other sent, and the caller gets the right end.</summary>
public sealed class RetryInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task APythonWorkerRetriesATaskThatDotnetSentAndTheCallerSeesRetryThenTheResult(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");

        (int value, bool sawRetry) = await Poll.ValueNotingRetryAsync(await App.SendAsync(Remote.PythonTasks.Flaky.Signature(2)));

        Assert.Equal(2, value);
        Assert.True(sawRetry, "The Python worker's RETRY state never reached the .NET caller.");
        Assert.Equal(1, await App.Send(Remote.PythonTasks.RetryExplicitly.Signature(1)).GetAsync(Guard));

        TaskFailedException spent = await Assert.ThrowsAsync<TaskFailedException>(() => App.Send(Remote.PythonTasks.Flaky.Signature(100)).GetAsync(Guard));
        Assert.Equal("TimeoutError", spent.RemoteType);
        Assert.Contains("attempt 3 timed out", spent.RemoteMessage, StringComparison.Ordinal);

        TaskFailedException explicitSpent = await Assert.ThrowsAsync<TaskFailedException>(() => App.Send(Remote.PythonTasks.RetryExplicitly.Signature(100)).GetAsync(Guard));
        Assert.Equal("ValueError", explicitSpent.RemoteType);
    }

    [CeleryTheory]
    public async Task ATaskGenWorkerRetriesATaskThatPythonSentAndPythonGetsTheResult(string celery)
    {
        await using ProgramProcess jobs = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");
        string path = Path.Combine(Path.GetTempPath(), "taskgen-pyretry-" + Guid.NewGuid().ToString("N"));
        try
        {
            JsonElement result = await Python.ScenarioAsync(celery, Broker.Url, "retry_dotnet", path);

            Assert.Equal(2, result.GetProperty("recovered").GetInt32());
            JsonElement spent = result.GetProperty("spent");
            Assert.Equal("TimeoutException", spent.GetProperty("raised").GetString());
            Assert.Contains("attempt 3 timed out", spent.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(3, Runs(path + "-recovered"));
            Assert.Equal(4, Runs(path + "-spent"));
        }
        finally
        {
            foreach (string file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    private static int Runs(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*").SelectMany(File.ReadAllLines).Count(l => l.Length > 0);
}
