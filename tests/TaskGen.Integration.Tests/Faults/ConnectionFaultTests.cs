using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Connection and consumer faults: a caller never waits for a result that cannot come, and a worker never sits idle.</summary>
public sealed class ConnectionFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task APendingResultOutlivesTheLossOfEveryConnection()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "slowpoke@%h");
        AsyncResult<int> pending = await App.SendAsync(Jobs.Slow.Signature(7, 3000));
        await Poll.UntilAsync(() => ReadyAsync("slow"), ready => ready == 0, "the worker to take the task");
        await Broker.CtlAsync("close_all_connections", "fault test: every connection closed");

        // The task's run loses its acknowledgement and runs again, and the reply queue keeps whichever result comes.
        var clock = Stopwatch.StartNew();
        Assert.Equal(7, await pending.GetAsync(TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The caller waited {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task AWorkerWhoseQueueIsDeletedDeclaresItAgainAndKeepsConsumingWithOneConsumer()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "redeclare@%h");
        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(Guard));

        // Twice, so that a second restart while the first one's loop might still run would show as two consumers.
        for (int round = 0; round < 2; round++)
        {
            await Broker.CtlAsync("delete_queue", "work");
            await worker.WaitForLineAsync(line => line.Contains("Consuming 'work' again", StringComparison.Ordinal) && worker.Lines.Count(l => l.Contains("Consuming 'work' again", StringComparison.Ordinal)) > round, "the consumer to restart");
        }

        Assert.Equal(42, await App.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));
        string queues = await Broker.CtlAsync("list_queues", "name", "consumers");
        Assert.Contains(queues.Split('\n'), line => line.Split('\t') is ["work", "1"]);
    }

    [Fact]
    public async Task ABroadcastQueueDeletedUnderAWorkerIsDeclaredAgainAndStillReachesIt()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "fleet", "fleet@%h");
        string node = $"fleet@{Environment.MachineName}";
        BroadcastResult<string> first = App.Broadcast(Jobs.Hello.Signature("hi"));
        Assert.Contains(node, (await first.GetAsync(TimeSpan.FromSeconds(10), expectedCount: 1)).Keys);

        string own = (await Broker.CtlAsync("list_queues", "name")).Split('\n').Single(line => line.StartsWith("bcast.", StringComparison.Ordinal)).Trim();
        await Broker.CtlAsync("delete_queue", own);
        await worker.WaitForLineAsync(line => line.Contains("Consuming 'bcast.", StringComparison.Ordinal), "the broadcast consumer to restart");

        BroadcastResult<string> second = App.Broadcast(Jobs.Hello.Signature("again"));
        Assert.Equal("again from " + node, (await second.GetAsync(TimeSpan.FromSeconds(10), expectedCount: 1))[node]);
    }
}
