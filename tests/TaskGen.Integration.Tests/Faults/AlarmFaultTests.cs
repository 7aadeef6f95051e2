using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A broker alarm: under memory pressure RabbitMQ stops reading from every connection that publishes. A worker's
/// acknowledgements travel on a connection of their own, so it keeps draining the backlog while its results wait,
/// and those results arrive once the alarm clears.
/// </summary>
public sealed class AlarmFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task AWorkerDrainsItsQueueUnderAMemoryAlarmAndEveryResultArrivesWhenItClears()
    {
        // Six rounds of 2 s on four slots, 12 s of work: rabbitmqctl takes a few seconds a call here, and the alarm
        // must rise while most of the backlog still waits.
        const int Count = 24, Concurrency = 4;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-alarm-" + Guid.NewGuid().ToString("N"));
        string watermark = (await Broker.CtlAsync("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")).Trim();
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "alarm@%h", concurrency: Concurrency);

            // Sent and confirmed before the alarm, which would hold the test's own publishes too.
            var sent = new AsyncResult<int>[Count];
            for (int i = 0; i < Count; i++)
            {
                sent[i] = await App.SendAsync(Jobs.RecordSlowly.Signature(path, i, 2000));
            }

            Task<int>[] results = sent.Select(r => r.GetAsync(Guard)).ToArray();
            await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= Concurrency, "the first runs to start");
            await Broker.CtlAsync("set_vm_memory_high_watermark", "0.00001");

            // The alarm is on for the worker: a connection it publishes on is blocked.
            string prefix = $"TaskGen {Environment.MachineName}:{worker.Id}";
            await Poll.UntilAsync(
                () => Broker.CtlAsync("list_connections", "client_properties", "state"),
                listing => listing.Split('\n').Any(line => line.Contains(prefix, StringComparison.Ordinal) && line.TrimEnd().EndsWith("\tblocked", StringComparison.Ordinal)),
                "the broker to block the worker's publishing");

            // Every task runs and is acknowledged while the alarm lasts, though its result cannot be sent.
            try
            {
                await Poll.UntilAsync(
                    async () => (await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged")).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("work\t", StringComparison.Ordinal)),
                    line => line == "work\t0\t0",
                    "the work queue to hold nothing ready or unacknowledged during the alarm");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; runs so far: {string.Join(",", EtaFaultTests.ReadRuns(path))}; the worker wrote:\n{string.Join("\n", worker.Lines)}", ex);
            }
            Assert.Equal(Enumerable.Range(0, Count), EtaFaultTests.ReadRuns(path).Order());
            Assert.False(results[^1].IsCompleted, "The last result arrived during the alarm: the broker did not hold the worker's publishes, so the test tested nothing.");

            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
            int[] values = await Task.WhenAll(results);
            Assert.Equal(Enumerable.Range(0, Count), values);

            // Once each: nothing acknowledged during the alarm came back to run again.
            int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow);
            Assert.Equal(Enumerable.Range(0, Count), runs.Order());
        }
        finally
        {
            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
            EtaFaultTests.DeleteRuns(path);
        }
    }
}
