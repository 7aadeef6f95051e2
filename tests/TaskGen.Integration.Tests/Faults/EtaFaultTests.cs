using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Tasks held for their ETA neither starve the queue behind them nor run twice after a connection blip.</summary>
public sealed class EtaFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task ATaskDueNowRunsBehindMoreFarOffEtaTasksThanThePrefetchWindowHolds()
    {
        // Concurrency 2 gives a window of 8; twelve far-off ETA tasks fill it one and a half times over.
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "eta@%h", concurrency: 2);
        for (int i = 0; i < 12; i++)
        {
            await App.SendAsync(Jobs.Add.Signature(i, 0, new TaskOptions { Countdown = TimeSpan.FromSeconds(600) }));
        }

        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task HeldEtaTasksOfALostConnectionAreDroppedAndRunOnceFromTheirRedelivery()
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-eta-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "held@%h", concurrency: 2);
        DateTimeOffset eta = DateTimeOffset.UtcNow.AddSeconds(8);
        const int Count = 10;
        for (int i = 0; i < Count; i++)
        {
            await App.SendAsync(Jobs.Record.Signature(path, i, new TaskOptions { Eta = eta }));
        }

        // Every message is out with the worker, held for its ETA, when the connection goes.
        await Poll.UntilAsync(() => ReadyAsync("work"), ready => ready == 0, "every message to be out with the worker", TimeSpan.FromMilliseconds(50));
        await Broker.CtlAsync("close_all_connections", "fault test: connection blip");
        await worker.WaitForLineAsync(line => line.Contains("recovered", StringComparison.Ordinal), "the worker's connection to recover");

        int[] runs = await RunsAsync(path, Count, eta.AddSeconds(3));
        try
        {
            Assert.Equal(Enumerable.Range(0, Count), runs.Distinct().Order());
            Assert.True(runs.Length == Count, $"{runs.Length - Count} duplicate run(s): {string.Join(",", runs.Order())}");
        }
        finally
        {
            DeleteRuns(path);
        }
    }

    [Fact]
    public async Task HeldEtaTasksOfAChannelClosedByConsumerTimeoutRunOnce()
    {
        // Channels read the timeout when they open, and check it once a tick (a minute by default): the worker
        // opens its consumer's channel after both are lowered.
        await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 2000), application:set_env(rabbit, channel_tick_interval, 1000).");
        string path = Path.Combine(Path.GetTempPath(), "taskgen-timeout-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "timed@%h", concurrency: 2);
            DateTimeOffset eta = DateTimeOffset.UtcNow.AddSeconds(15);
            const int Count = 4;
            for (int i = 0; i < Count; i++)
            {
                await App.SendAsync(Jobs.Record.Signature(path, i, new TaskOptions { Eta = eta, IgnoreResult = true }));
            }

            // Held unacknowledged past the timeout, the messages make the broker close the consumer's channel.
            await worker.WaitForLineAsync(line => line.Contains("Consuming 'work' again", StringComparison.Ordinal), "the broker to close the consumer's channel and the worker to resume");

            // Back to the default for the channels opened from now on, so the last close comes well before the ETA:
            // a close while a due task runs loses its ack, and the duplicate that follows is at-least-once, not a fault.
            await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 1800000), application:set_env(rabbit, channel_tick_interval, 60000).");
            int[] runs = await RunsAsync(path, Count, eta.AddSeconds(3));
            Assert.Equal(Enumerable.Range(0, Count), runs.Distinct().Order());
            Assert.True(runs.Length == Count, $"{runs.Length - Count} duplicate run(s): {string.Join(",", runs.Order())}\n{string.Join("\n", worker.Lines)}");
        }
        finally
        {
            await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 1800000), application:set_env(rabbit, channel_tick_interval, 60000).");
            DeleteRuns(path);
        }
    }

    /// <summary>Every id recorded by <c>Jobs.Record</c> under <paramref name="path"/>, by every worker process.</summary>
    internal static int[] ReadRuns(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*")
            .SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(int.Parse).ToArray();

    /// <summary>Removes the files of <see cref="ReadRuns"/>.</summary>
    internal static void DeleteRuns(string path)
    {
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>Reads the ids recorded in <paramref name="path"/> once all are there and <paramref name="settled"/> has passed.</summary>
    internal static async Task<int[]> RunsAsync(string path, int count, DateTimeOffset settled)
    {
        await Poll.UntilAsync(() => Task.FromResult(ReadRuns(path).Distinct().Count()), n => n >= count, $"{count} distinct tasks to run");

        // A duplicate run shows only by coming later, so the runs are read once more after the time the test names:
        // a window to watch, not a wait for something to happen.
        TimeSpan window = settled - DateTimeOffset.UtcNow;
        if (window > TimeSpan.Zero)
        {
            await Task.Delay(window);
        }

        return ReadRuns(path);
    }
}
