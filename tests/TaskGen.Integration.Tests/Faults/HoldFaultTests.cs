using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>A worker holds no message long enough for the broker's consumer_timeout to close its channel.</summary>
public sealed class HoldFaultTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TasksHeldForTheirRateLimitPastConsumerTimeoutCostARunningTaskNoRerun()
    {
        // Channels read the timeout when they open, and check it once a tick: the worker opens its channel after both
        // are lowered. Ten seconds is above the slow task's run, so only a hold can outlast it.
        await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 10000), application:set_env(rabbit, channel_tick_interval, 1000).");
        string path = Path.Combine(Path.GetTempPath(), "taskgen-holds-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(
                WorkerProgram, Broker.Url, "work", "holds@%h", concurrency: 2, "--TaskGen:WorkerMaxHoldTime=00:00:03");

            // At 12 a minute the tenth runs about 45 s after the first: all but the first wait, most past the timeout.
            const int Count = 10;
            for (int i = 0; i < Count; i++)
            {
                await App.SendAsync(HoldJobs.RecordLimited.Signature(path, i, new TaskOptions { IgnoreResult = true }));
            }

            // The second run comes one refill (5 s) after the others began to wait, so the slow task runs from there
            // to about 13 s: across the moment the oldest hold would pass the timeout.
            await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= 2, "two rate-limited runs");
            const int Slow = 100;
            await App.SendAsync(Jobs.RecordSlowly.Signature(path, Slow, 8000, new TaskOptions { IgnoreResult = true }));

            int[] runs = await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path)), r => r.Distinct().Count() >= Count + 1, "every task to run");
            string[] interrupted = worker.Lines.Where(line => line.Contains("was interrupted", StringComparison.Ordinal)).ToArray();
            Assert.Equal(Enumerable.Range(0, Count).Append(Slow), runs.Distinct().Order());
            Assert.True(
                runs.Count(id => id == Slow) == 1 && runs.Length == Count + 1 && interrupted.Length == 0,
                $"the slow task ran {runs.Count(id => id == Slow)} time(s), {runs.Length - Count - 1} duplicate run(s) in all ({string.Join(",", runs.Order())}), "
                + $"{interrupted.Length} consumer restart(s):\n{string.Join("\n", interrupted)}");
        }
        finally
        {
            await Broker.CtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 1800000), application:set_env(rabbit, channel_tick_interval, 60000).");
            EtaFaultTests.DeleteRuns(path);
        }
    }
}
