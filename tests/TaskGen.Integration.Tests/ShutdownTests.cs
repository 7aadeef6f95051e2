using System;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>SIGTERM while tasks run: running tasks finish, the rest stay on the broker, nothing is lost.</summary>
public sealed class ShutdownTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task SigtermLetsRunningTasksFinishAndLeavesTheRestQueued()
    {
        const int count = 12;
        ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "stopping@%h", concurrency: 2);
        AsyncResult<int>[] results = Enumerable.Range(0, count).Select(i => App.Send(Jobs.Slow.Signature(i, 1500))).ToArray();
        Task<int>[] values = results.Select(r => r.GetAsync(Guard)).ToArray();

        // When the first result is in, the next two tasks are running: stop the worker then.
        await Task.WhenAny(values);
        int finishedBeforeStop = results.Count(r => r.IsReady);
        worker.Terminate();
        await worker.WaitForExitAsync();
        Assert.Equal(0, worker.ExitCode);
        Assert.Contains(worker.Lines, line => line.Contains("stopping@", StringComparison.Ordinal) && line.Contains("stopped.", StringComparison.Ordinal));
        await worker.DisposeAsync();

        // What was running finished (its results were sent before the worker acknowledged and exited);
        // what had not started, prefetched or not, is back on the queue.
        int waiting = (int)await ReadyAsync("slow");
        int finished = count - waiting;
        Assert.True(finished > finishedBeforeStop, $"Tasks running at SIGTERM should have finished: {finished} finished, {finishedBeforeStop} before the signal.");
        Assert.True(waiting > 0, "Tasks that had not started should stay queued.");

        // A new worker drains the rest: every task completes, with its own value, exactly once.
        await using ProgramProcess next = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "next@%h", concurrency: 4);
        Assert.Equal(Enumerable.Range(0, count), await Task.WhenAll(values));
        Assert.Equal(0u, await ReadyAsync("slow"));
    }
}
