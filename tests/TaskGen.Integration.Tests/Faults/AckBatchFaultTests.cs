using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Batched acknowledgements on a real broker: tasks finishing out of order behind one held for its ETA are all
/// acknowledged, the held one stays unacknowledged until it runs, and no multiple ack ever names a tag the broker
/// refuses (which would close the channel and deliver finished tasks again).
/// </summary>
public sealed class AckBatchFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TasksFinishingOutOfOrderBehindAHeldOneAreAllAcknowledgedAndRunOnce()
    {
        const int Count = 1_000;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-acks-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", "batched@%h", concurrency: 8);
        try
        {
            // The held task takes the lowest tag on its channel, so no multiple ack may pass it until its ETA.
            DateTimeOffset eta = DateTimeOffset.UtcNow.AddSeconds(10);
            await App.SendAsync(Jobs.Record.Signature(path, Count, new TaskOptions { Eta = eta }));
            var sent = new List<Task<int>>();
            for (int i = 0; i < Count; i++)
            {
                sent.Add(App.Send(Jobs.Record.Signature(path, i)).GetAsync(Guard));
                sent.Add(App.Send(Jobs.Slow.Signature(i, i % 7)).GetAsync(Guard));
            }

            int[] values = await Task.WhenAll(sent);
            Assert.Equal(Enumerable.Range(0, Count).SelectMany(i => new[] { i, i }), values);

            // Before the ETA: everything but the held message is acknowledged, though it sits below them all.
            Assert.True(DateTimeOffset.UtcNow < eta, "the tasks took longer than the ETA's lead; raise it");
            await Poll.UntilAsync(() => CountsAsync("work"), counts => counts == (0, 1), "the work queue to hold only the ETA task, unacknowledged", TimeSpan.FromMilliseconds(300));
            await Poll.UntilAsync(() => CountsAsync("slow"), counts => counts == (0, 0), "the slow queue to be empty and acknowledged", TimeSpan.FromMilliseconds(300));
            Assert.True(DateTimeOffset.UtcNow < eta, "the queues were not settled before the ETA; raise its lead");

            int[] runs = await EtaFaultTests.RunsAsync(path, Count + 1, eta.AddSeconds(1));
            Assert.Equal(Enumerable.Range(0, Count + 1), runs.Order());
            await Poll.UntilAsync(() => CountsAsync("work"), counts => counts == (0, 0), "the work queue to be empty and acknowledged", TimeSpan.FromMilliseconds(300));
            Assert.DoesNotContain(worker.Lines, line => line.Contains("was interrupted", StringComparison.Ordinal));
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    /// <summary>The queue's ready and unacknowledged counts as the broker reports them now; its figures lag a little, so callers poll for the ones they expect.</summary>
    private async Task<(int Ready, int Unacked)> CountsAsync(string queue)
    {
        string listing = await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
        return listing.Split('\n').Select(line => line.Trim().Split('\t')).Where(f => f.Length == 3 && f[0] == queue)
            .Select(f => (int.Parse(f[1]), int.Parse(f[2]))).Single();
    }
}
