using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Interop.Tests;

/// <summary>Python and TaskGen workers on the same queues.</summary>
public sealed class MixedWorkerTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task PythonAndTaskGenWorkersShareOneQueue(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "mixed", "pymix@%h");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "mixed", "netmix@%h", concurrency: 2);

        AsyncResult<string>[] results = Enumerable.Range(0, 60).Select(_ => App.Send(Jobs.WhoAmIInterop.Signature())).ToArray();
        string[] answers = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));

        Assert.Contains("python", answers);
        Assert.Contains("dotnet", answers);
        Assert.Equal(60, answers.Length);
    }

    [CeleryTheory]
    public async Task ABroadcastQueueReachesBothKinds(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "interop_fleet", "pyfleet@%h");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "interop_fleet", "netfleet@%h");

        BroadcastResult<string> result = await App.BroadcastAsync(Jobs.WhoAmIInterop.Signature(new TaskOptions { Queue = "interop_fleet" }));
        IReadOnlyDictionary<string, string> replies = await result.GetAsync(Guard, expectedCount: 2);

        Assert.Equal(["dotnet", "python"], replies.Values.Order(StringComparer.Ordinal));
        Assert.Equal("dotnet", replies[$"netfleet@{Environment.MachineName}"]);
    }
}
