using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>Under load, a worker killed outright or a broker stopped and started loses no task; duplicates are counted and reported.</summary>
public sealed class LoadFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    [Fact]
    public async Task KillingAWorkerUnderLoadLosesNoneOfTenThousandTasks()
    {
        const int Count = 10_000;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-kill-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess victim = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "victim@%h");
        await using ProgramProcess survivor = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "survivor@%h");

        AsyncResult<int>[] results = Enumerable.Range(0, Count).Select(i => App.Send(Jobs.Record.Signature(path, i))).ToArray();
        await WaitForRunsAsync(path, 2_000);
        Process.GetProcessById(victim.Id).Kill();

        int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
        Assert.Equal(Enumerable.Range(0, Count), values);
        Report(path, Count, "worker kill -9");
    }

    [Fact]
    public async Task StoppingAndStartingTheBrokerUnderLoadLosesNoTask()
    {
        const int Count = 3_000;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-stop-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "weathered@%h");
        for (int i = 0; i < Count; i++)
        {
            await App.SendAsync(Jobs.Record.Signature(path, i, new TaskOptions { IgnoreResult = true }));
        }

        await WaitForRunsAsync(path, 300);
        await Broker.CtlAsync("stop_app");

        // The broker comes back only once the worker has seen it go, so the outage is one the worker lives through.
        await worker.WaitForLineAsync(line => line.Contains("Connection to RabbitMQ", StringComparison.Ordinal) && line.Contains(" lost: ", StringComparison.Ordinal), "the worker to see the broker go");
        await Broker.CtlAsync("start_app");

        int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow);
        Assert.Equal(Enumerable.Range(0, Count), runs.Distinct().Order());
        Report(path, Count, "broker stop_app/start_app");
    }

    private static Task<int> WaitForRunsAsync(string path, int runs) =>
        Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= runs, $"{runs} tasks to run", TimeSpan.FromMilliseconds(20));

    private void Report(string path, int count, string fault)
    {
        int[] runs = EtaFaultTests.ReadRuns(path);
        int distinct = runs.Distinct().Count();
        string line = $"{fault}: {count} tasks, {count - distinct} lost, {runs.Length - distinct} duplicate run(s)";
        output.WriteLine(line);
        Console.WriteLine(line);
        EtaFaultTests.DeleteRuns(path);
        Assert.Equal(count, distinct);
    }
}
