using System;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Time limits: a synchronous task that polls its token stops at the soft one; the hard one frees the slot even for code that cannot be interrupted.</summary>
public sealed class TimeLimitFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task ABlockingTaskPastItsHardLimitFailsWithTimeLimitExceededAndFreesItsSlot()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "limited@%h", concurrency: 1);
        AsyncResult<int> blocked = await App.SendAsync(Jobs.Block.Signature(20_000, new TaskOptions { TimeLimit = TimeSpan.FromSeconds(1) }));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => blocked.GetAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal("TimeLimitExceeded", failure.RemoteType);

        // The only slot is free again while the abandoned code still sleeps.
        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(TimeSpan.FromSeconds(10)));

        // And the message is settled: not redelivered to run into its limit again.
        string queues = await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
        Assert.Contains(queues.Split('\n'), line => line.Split('\t') is ["work", "0", "0"]);
    }

    [Fact]
    public async Task ASynchronousTaskThatPollsItsTokenStopsAtTheSoftLimitBeforeTheHardOne()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "soft@%h", concurrency: 1);
        var options = new TaskOptions { SoftTimeLimit = TimeSpan.FromSeconds(1), TimeLimit = TimeSpan.FromSeconds(60) };
        AsyncResult<int> spinning = await App.SendAsync(Jobs.Spin.Signature(30_000, options));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => spinning.GetAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("SoftTimeLimitExceeded", failure.RemoteType);
        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(TimeSpan.FromSeconds(10)));
    }
}
