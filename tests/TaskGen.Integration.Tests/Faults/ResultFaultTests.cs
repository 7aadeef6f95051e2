using System;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// <c>rpc://</c> results across broker faults: the reply queue outlives the caller's connection, so a result comes
/// however the broker or the caller's connection came and went, and a waiter fails only when its result is known lost.
/// </summary>
public sealed class ResultFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    [Fact]
    public async Task ABrokerRestartUnderLoadLosesNoResultOfThreeThousandCalls()
    {
        const int Count = 3_000;
        await using ProgramProcess left = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "left@%h");
        await using ProgramProcess right = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "right@%h");
        var results = new AsyncResult<int>[Count];
        for (int i = 0; i < Count; i++)
        {
            results[i] = await App.SendAsync(Jobs.Slow.Signature(i, 50));
        }

        await Poll.UntilAsync(() => Task.FromResult(results.Count(r => r.IsReady)), ready => ready >= 300, "300 results", TimeSpan.FromMilliseconds(20));
        await Broker.CtlAsync("stop_app");

        // The broker comes back only once a worker has seen it go, so the outage is one the processes live through.
        await left.WaitForLineAsync(line => line.Contains("Connection to RabbitMQ", StringComparison.Ordinal) && line.Contains(" lost: ", StringComparison.Ordinal), "the worker to see the broker go");
        await Broker.CtlAsync("start_app");

        (int failed, int wrong, string first) = await AwaitEachAsync(results);
        output.WriteLine($"broker stop_app/start_app: {Count} calls, {failed} failed, {wrong} wrong");
        Assert.True(failed == 0, $"{failed} of {Count} calls failed, e.g. {first}");
        Assert.Equal(0, wrong);
    }

    /// <summary>Waits for every call whose task returns its own index: how many failed, how many returned another value, and the first failure.</summary>
    internal static async Task<(int Failed, int Wrong, string First)> AwaitEachAsync(AsyncResult<int>[] results)
    {
        Task<int>[] waits = results.Select(r => r.GetAsync(ProgramProcess.Guard)).ToArray();
        await Task.WhenAll(waits).ContinueWith(_ => { }, TaskScheduler.Default);
        return (
            waits.Count(w => w.IsFaulted),
            waits.Select((w, i) => w.IsCompletedSuccessfully && w.Result != i).Count(bad => bad),
            waits.FirstOrDefault(w => w.IsFaulted)?.Exception?.InnerException?.Message ?? "");
    }

    [Fact]
    public async Task AResultSentWhileTheCallersConnectionIsDownReachesTheCallerOnceItIsBack()
    {
        // No worker yet: the task waits in its queue until the caller's connection is gone; the worker then sends
        // the result into that gap, where the reply queue, no longer tied to the connection, keeps it.
        AsyncResult<int> pending = await App.SendAsync(Jobs.Slow.Signature(7, 0));
        Task<int> outage = Broker.KeepConnectionsOfThisProcessClosedAsync(TimeSpan.FromSeconds(8));
        Task<int> waiting = pending.GetAsync(Guard);
        string own = $"TaskGen {Environment.MachineName}:{Environment.ProcessId} (";
        await Poll.UntilAsync(() => Broker.CtlAsync("list_connections", "client_properties"), listing => !listing.Contains(own, StringComparison.Ordinal), "the caller's connections to be closed");
        Assert.False(outage.IsCompleted, "The outage ended before the worker could send the result into it.");

        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "slow", "gap@%h");
        Assert.Equal(7, await waiting);
        Assert.True(await outage > 0, "The outage closed no connection of the caller's.");
    }

    [Fact]
    public async Task AReplyQueueDeletedUnderTheCallerFailsItsWaitersPromptly()
    {
        // The one case where a result is known lost: whatever was sent to the queue went with it.
        AsyncResult<int> pending = await App.SendAsync(Jobs.Slow.Signature(7, 0));
        // The app's reply queue is the one named by a GUID with a consumer: those of apps gone before wait for their expiry.
        string replyQueue = (await Broker.CtlAsync("list_queues", "name", "consumers")).Split('\n').Select(l => l.Trim().Split('\t'))
            .Single(row => row is [string name, "1"] && Guid.TryParse(name, out _))[0];
        await Broker.CtlAsync("delete_queue", replyQueue);

        var lost = await Assert.ThrowsAsync<TaskResultLostException>(() => pending.GetAsync(Guard));
        Assert.Equal(pending.Id, lost.TaskId);
        Assert.Contains(replyQueue, lost.Message, StringComparison.Ordinal);
    }
}
