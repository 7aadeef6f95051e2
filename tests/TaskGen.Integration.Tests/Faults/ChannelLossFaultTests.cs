using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A delivery belongs to the channel it came on: when that channel dies, what it delivered and the worker has not
/// started never runs, since the broker hands the same messages out again.
/// </summary>
public sealed class ChannelLossFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    [Fact]
    public async Task DeliveriesBufferedOnAClosedConnectionDoNotRunBesideTheirRedelivery()
    {
        // Concurrency 2 and prefetch 8: with both slots busy, six more deliveries wait in the client's dispatch
        // buffer, and the connection is closed under them, early in the first runs (3 s each), so that no run has
        // just finished and lost its acknowledgement with the connection.
        const int Count = 12, Concurrency = 2;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-buffered-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "buffered@%h", concurrency: Concurrency);
            var results = Enumerable.Range(0, Count).Select(i => App.Send(Jobs.RecordSlowly.Signature(path, i, 3000))).ToArray();
            await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= Concurrency, "the first two runs to start");
            // Its consuming and its publishing connection, which the worker opened for its online event.
            Assert.Equal(2, await Broker.CloseConnectionsOfProcessAsync(worker.Id));

            int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
            Assert.Equal(Enumerable.Range(0, Count), values);

            int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow.AddSeconds(3));
            Assert.Equal(Enumerable.Range(0, Count), runs.Distinct().Order());

            // Only the runs under way at the drop may start again: their acknowledgement died with the channel.
            int duplicates = runs.Length - Count;
            output.WriteLine($"connection closed under {Count} tasks at concurrency {Concurrency}: {duplicates} duplicate run(s)");
            Assert.True(duplicates <= Concurrency, $"{duplicates} duplicate run(s) where at most {Concurrency} were running at the drop: {string.Join(",", runs)}");
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task ConsumerRestartsUnderAStreamOfTasksNeverAcknowledgeATagOfAnotherChannel()
    {
        // Channels read the timeout when they open and check it once a tick: the worker's channel opens after both
        // are lowered. Tasks take 0.5-2 s, under the timeout, but those waiting in the prefetch window outlast it,
        // so the broker closes the consumer's channel again and again while deliveries of the old one are buffered.
        await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 2500), application:set_env(rabbit, channel_tick_interval, 1000).");
        const int Count = 40, Concurrency = 4, AckBatch = 8;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-restarts-" + Guid.NewGuid().ToString("N"));
        int refusedBefore = Broker.CountLogLines("unknown delivery tag");
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "restarts@%h", concurrency: Concurrency);
            var results = Enumerable.Range(0, Count).Select(i => App.Send(Jobs.RecordSlowly.Signature(path, i, 500 + (i * 389 % 1500)))).ToArray();
            int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));
            Assert.Equal(Enumerable.Range(0, Count), values);

            int restarts = worker.Lines.Count(line => line.Contains("Consuming 'work' again", StringComparison.Ordinal));
            Assert.True(restarts > 0, "The broker never closed the consumer's channel: the test did not test anything.\n" + string.Join("\n", worker.Lines));

            // A multiple ack of another channel's book names a tag this channel never had: the broker says so and closes it.
            Assert.Equal(0, Broker.CountLogLines("unknown delivery tag") - refusedBefore);

            int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow.AddSeconds(3));
            Assert.Equal(Enumerable.Range(0, Count), runs.Distinct().Order());
            // A closure voids the acknowledgements of the tasks running on the channel and of those finished whose
            // batched ack had not gone out (at most a batch, 8): only those may run again. Before each channel had one
            // book, deliveries buffered on the closed channel ran beside their redelivery as well (68 of 40 in one run).
            int duplicates = runs.Length - Count;
            output.WriteLine($"{restarts} consumer-timeout closure(s), {duplicates} duplicate run(s) of {Count} tasks");
            Assert.True(duplicates <= restarts * (Concurrency + AckBatch), $"{duplicates} duplicate run(s) over {restarts} channel closure(s), more than the {Concurrency} running and {AckBatch} batched acks each may void");

            // Settled: nothing left unacknowledged behind a lost or misdirected ack.
            await Poll.UntilAsync(
                async () => (await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged")).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("work\t", StringComparison.Ordinal)),
                line => line == "work\t0\t0",
                "the work queue to hold nothing ready or unacknowledged");
        }
        finally
        {
            await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 1800000), application:set_env(rabbit, channel_tick_interval, 60000).");
            EtaFaultTests.DeleteRuns(path);
        }
    }
}
