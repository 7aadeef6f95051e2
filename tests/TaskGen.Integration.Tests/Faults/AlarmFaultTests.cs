using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A broker alarm: under memory pressure RabbitMQ stops reading from every connection that publishes. A worker's
/// acknowledgements travel on a connection of their own, so it keeps draining the backlog of tasks that send nothing
/// back, while each task whose result the broker cannot take yet is held, unacknowledged, until the alarm clears.
/// </summary>
public sealed class AlarmFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    [Fact]
    public async Task AWorkerDrainsItsQueueUnderAMemoryAlarmAndEveryResultArrivesWhenItClears()
    {
        // Six rounds of 2 s on four slots, 12 s of work: rabbitmqctl takes a few seconds a call here, and the alarm
        // must rise while most of the backlog still waits. One task in six wants its result, the last of them last.
        const int Count = 24, Concurrency = 4;
        static bool WantsResult(int i) => i % 6 == 5;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-alarm-" + Guid.NewGuid().ToString("N"));
        string watermark = (await Broker.CtlAsync("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")).Trim();
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "alarm@%h", concurrency: Concurrency);

            // Sent and confirmed before the alarm, which would hold the test's own publishes too.
            var results = new List<Task<int>>();
            for (int i = 0; i < Count; i++)
            {
                AsyncResult<int> sent = await App.SendAsync(Jobs.RecordSlowly.Signature(path, i, 2000, new TaskOptions { IgnoreResult = !WantsResult(i) }));
                if (WantsResult(i))
                {
                    results.Add(sent.GetAsync(Guard));
                }
            }

            await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= Concurrency, "the first runs to start");
            await Broker.CtlAsync("set_vm_memory_high_watermark", "0.00001");

            // The alarm is on for the worker: a connection it publishes on is blocked.
            string prefix = $"TaskGen {Environment.MachineName}:{worker.Id}";
            await Poll.UntilAsync(
                () => Broker.CtlAsync("list_connections", "client_properties", "state"),
                listing => listing.Split('\n').Any(line => line.Contains(prefix, StringComparison.Ordinal) && line.TrimEnd().EndsWith("\tblocked", StringComparison.Ordinal)),
                "the broker to block the worker's publishing");

            // Every task runs while the alarm lasts; those that send nothing back are acknowledged, and only those whose
            // result waits for the broker stay unacknowledged.
            (int Ready, int Unacknowledged) held;
            try
            {
                held = await Poll.UntilAsync(
                    async () => (Runs: EtaFaultTests.ReadRuns(path).Length, Queue: await CountsAsync("work")),
                    now => now.Runs == Count && now.Queue.Ready == 0 && now.Queue.Unacknowledged <= results.Count,
                    "every task to run, and the work queue to hold only the tasks whose results wait, during the alarm").ContinueWith(t => t.Result.Queue);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; runs so far: {string.Join(",", EtaFaultTests.ReadRuns(path))}; the worker wrote:\n{string.Join("\n", worker.Lines)}", ex);
            }

            Assert.Equal(Enumerable.Range(0, Count), EtaFaultTests.ReadRuns(path).Order());
            Assert.False(results[^1].IsCompleted, "The last result arrived during the alarm: the broker did not hold the worker's publishes, so the test tested nothing.");
            Assert.True(held.Unacknowledged >= 1, "No task was held for its result during the alarm.");
            string line = $"during the alarm: {held.Ready} ready, {held.Unacknowledged} unacknowledged of {results.Count} tasks that want a result";
            output.WriteLine(line);
            Console.WriteLine(line);

            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
            int[] values = await Task.WhenAll(results);
            Assert.Equal(Enumerable.Range(0, Count).Where(WantsResult), values);
            await Poll.UntilAsync(() => CountsAsync("work"), now => now == (0, 0), "the held tasks to be acknowledged once their results are confirmed");

            // Once each: nothing acknowledged or held during the alarm came back to run again.
            int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow);
            Assert.Equal(Enumerable.Range(0, Count), runs.Order());
        }
        finally
        {
            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task AWorkerKilledWhileAnAlarmHoldsItsResultsLeavesNoAcknowledgedTaskUnanswered()
    {
        // Fewer tasks than the prefetch (4 x concurrency), so every one is delivered and run before the kill; results
        // of 1 MB, so that together they are more than the sockets between worker and broker buffer, as a busy worker's are.
        const int Count = 12, Concurrency = 4, Size = 1_000_000;
        string watermark = (await Broker.CtlAsync("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")).Trim();
        try
        {
            // Sent and confirmed before the alarm, which would hold the test's own publishes too.
            var sent = new AsyncResult<string>[Count];
            for (int i = 0; i < Count; i++)
            {
                sent[i] = await App.SendAsync(Jobs.Big.Signature(Size));
            }

            Task<string>[] results = sent.Select(r => r.GetAsync(Guard)).ToArray();
            await Broker.CtlAsync("set_vm_memory_high_watermark", "0.00001");
            int acknowledged;
            await using (ProgramProcess victim = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "victim@%h", concurrency: Concurrency))
            {
                await Poll.UntilAsync(() => ReadyAsync("work"), n => n == 0, "every task to be delivered");
                string prefix = $"TaskGen {Environment.MachineName}:{victim.Id}";
                await Poll.UntilAsync(
                    () => Broker.CtlAsync("list_connections", "client_properties", "state"),
                    listing => listing.Split('\n').Any(line => line.Contains(prefix, StringComparison.Ordinal) && line.TrimEnd().EndsWith("\tblocked", StringComparison.Ordinal)),
                    "the broker to block the worker's result publishes");

                // The broker's count read twice, a second apart, the same: that is a hundred ack-batch timers, so whatever
                // the worker would acknowledge has reached the broker.
                int? previous = null;
                (int held, _) = await Poll.UntilAsync(
                    async () =>
                    {
                        int now = await HeldAsync("work");
                        (int Held, bool Steady) read = (now, now == previous);
                        previous = now;
                        return read;
                    },
                    read => read.Steady,
                    "the work queue's count to stop changing",
                    TimeSpan.FromSeconds(1));
                acknowledged = Count - held;
                Process.GetProcessById(victim.Id).Kill();
                await victim.WaitForExitAsync();
            }

            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
            await using ProgramProcess survivor = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "survivor@%h", concurrency: Concurrency);

            // What the victim left unacknowledged runs again on the survivor; what it acknowledged is answered only
            // if its result reached the broker before the kill.
            // A bounded wait for every answer; what is still missing after it is counted, not waited for.
            Task all = Task.WhenAll(results);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20)));
            int unanswered = results.Count(r => !r.IsCompletedSuccessfully);
            string line = $"worker killed under a memory alarm: {Count} tasks, {acknowledged} acknowledged before the kill, {unanswered} never answered";
            output.WriteLine(line);
            Console.WriteLine(line);
            Assert.Equal(0, unanswered);
            Assert.All(results, r => Assert.Equal(Size, r.Result.Length));
        }
        finally
        {
            await Broker.CtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
        }
    }

    /// <summary>How many of <paramref name="queue"/>'s messages the broker holds, ready or unacknowledged.</summary>
    private async Task<int> HeldAsync(string queue)
    {
        (int ready, int unacknowledged) = await CountsAsync(queue);
        return ready + unacknowledged;
    }

    private async Task<(int Ready, int Unacknowledged)> CountsAsync(string queue)
    {
        string listing = await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
        string[] fields = listing.Split('\n').Select(l => l.Trim().Split('\t')).First(f => f[0] == queue);
        return (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}
