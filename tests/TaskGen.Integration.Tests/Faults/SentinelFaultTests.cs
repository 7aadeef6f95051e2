using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A <c>sentinel://</c> result backend on a real Sentinel group (a primary, a replica, three sentinels) whose primary
/// is killed mid-stream: the sentinels promote the replica, the worker stores the results it held on the new primary,
/// and every caller gets its result, each task run once.
/// </summary>
public sealed class SentinelFaultTests(RabbitMqFixture broker, RedisSentinelFixture sentinel, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisSentinelFixture>
{
    [Fact]
    public Task KillingThePrimaryMidStreamLosesNoResultAndRunsNoTaskTwice() => KillThePrimaryMidStreamAsync(Broker, sentinel, 200, output);

    /// <summary>
    /// Sends <paramref name="count"/> slow tasks to a worker storing on <paramref name="sentinel"/>'s group, kills its
    /// primary once a fifth have run, and fails unless every caller gets its own result and every task ran exactly once.
    /// </summary>
    internal static async Task KillThePrimaryMidStreamAsync(RabbitMqFixture broker, RedisSentinelFixture sentinel, int count, ITestOutputHelper output)
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-sentinel-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, broker.Url, "work", "sentinel@%h", 4, sentinel.WorkerEnvironment);
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = broker.Url;
            sentinel.UseAsResultBackend(b.Options);
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });

        try
        {
            AsyncResult<int>[] results = await RedisOutageFaultTests.SendUntilAFifthRunAsync(app, path, count);

            // Timed from the kill, not from its end: a daemon killed here is reaped by its own parent, which can take seconds.
            var failover = Stopwatch.StartNew();
            string killed = await sentinel.KillPrimaryAsync();
            await Poll.UntilAsync(sentinel.ReadPrimaryNameAsync, name => name != killed, "the sentinels to promote the replica");
            output.WriteLine($"the sentinels promoted the replica {failover.Elapsed.TotalSeconds:0.0} s after the primary was killed");

            // Only a guard: every result comes well within it once the new primary takes the stores the worker held.
            Task<int>[] waits = results.Select(r => r.GetAsync(TimeSpan.FromSeconds(60))).ToArray();
            try
            {
                await Task.WhenAll(waits);
            }
            catch (Exception ex) when (ex is TimeoutException or TaskResultLostException)
            {
            }

            output.WriteLine($"every caller was answered or gave up {failover.Elapsed.TotalSeconds:0.0} s after the primary was killed");
            int[] runs = EtaFaultTests.ReadRuns(path);
            int wrong = Enumerable.Range(0, count).Count(i => waits[i].IsCompletedSuccessfully && waits[i].Result != i);
            int unanswered = waits.Count(w => !w.IsCompletedSuccessfully);
            int twice = runs.GroupBy(id => id).Count(g => g.Count() > 1);
            int missing = count - runs.Distinct().Count();
            int held = worker.Lines.Count(l => l.Contains("could not be stored; its message is held", StringComparison.Ordinal));
            string figures = $"of {count} tasks: {unanswered} callers unanswered, {wrong} wrong results, {twice} ran twice, {missing} never ran; {held} results held through the failover";
            output.WriteLine(figures);
            Assert.True(unanswered == 0 && wrong == 0 && twice == 0 && missing == 0, figures);

            // The kill must have been felt, or the test proves nothing about a failover.
            Assert.True(held > 0, figures);
            Assert.DoesNotContain(worker.Lines, line => line.Contains(sentinel.Password, StringComparison.Ordinal));
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }
}
