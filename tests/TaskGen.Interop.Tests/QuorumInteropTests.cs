using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen;
using TaskGen.IntegrationWorker.Remote;

// The producer side takes the type from this declaration; the worker process takes it from TaskDefaultQueueType.
[assembly: TaskQueue("qq", Type = QueueType.Quorum)]

namespace TaskGen.Interop.Tests;

/// <summary>
/// A quorum queue declared by both Python Celery (<c>queue_arguments={'x-queue-type': 'quorum'}</c>) and TaskGen
/// (<c>TaskDefaultQueueType=quorum</c>): neither declaration is refused, and calls cross it both ways.
/// </summary>
public sealed class QuorumInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const string Queue = "qq";

    [CeleryTheory]
    public async Task PythonAndTaskGenDeclareTheSameQuorumQueueAndCallEachOtherOnIt(string celery)
    {
        // From scratch, so that TaskGen declares the queue first and Python declares it second, then TaskGen again.
        try
        {
            await Broker.CtlAsync("delete_queue", Queue);
        }
        catch (InvalidOperationException)
        {
            // Not there yet.
        }

        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(
            WorkerProgram,
            Broker.Url,
            Queue,
            "netqq@%h",
            2,
            new Dictionary<string, string> { ["TaskGen__TaskDefaultQueue"] = Queue, ["TaskGen__TaskDefaultQueueType"] = "quorum" });
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, Queue, "pyqq@%h", new Dictionary<string, string> { ["PYTASKS_PER_CONSUMER_QOS"] = "1" });

        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.AddTaskGenIntegrationWorkerTasks();
            b.AddTaskGenInteropTestsTasks();
        });

        // interop.whoami runs on whichever worker takes it: both answering means a .NET call reached a Python task.
        AsyncResult<string>[] results = Enumerable.Range(0, 60).Select(_ => app.Send(Jobs.WhoAmIInterop.Signature(new TaskOptions { Queue = Queue }))).ToArray();
        string[] answers = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
        Assert.Equal(["dotnet", "python"], answers.Distinct().Order(StringComparer.Ordinal));

        // And Python's producer, declaring the queue once more with its arguments, reaches the .NET task.
        JsonElement fromPython = await Python.ScenarioAsync(celery, Broker.Url, "quorum_whoami", "60");
        Assert.Equal(["dotnet", "python"], fromPython.GetProperty("answers").EnumerateArray().Select(a => a.GetString()!));

        string types = await Broker.CtlAsync("list_queues", "name", "type", "arguments");
        Assert.Contains(types.Split('\n'), line => line.StartsWith(Queue + "\tquorum\t", StringComparison.Ordinal));
    }
}
