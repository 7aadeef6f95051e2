using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The failure policy on a real broker: retries with their backoff, spent retries, a retry that outlives the worker
/// holding it, and a rate limit that slows its own task and no other.
/// </summary>
public sealed class RetryFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    [Fact]
    public async Task ATaskThatFailsTwiceReturnsAfterTwoRetriesWithTheBackoffObserved()
    {
        string path = NewPath("retry");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "retry@%h", concurrency: 2);
        try
        {
            (int value, bool sawRetry) = await Poll.ValueNotingRetryAsync(await App.SendAsync(Jobs.Flaky.Signature(path, 2)));

            Assert.Equal(2, value);
            Assert.True(sawRetry, "The caller never saw the RETRY state.");
            (int Retries, long Eta, long Started)[] attempts = ReadAttempts(path);
            Assert.Equal([0, 1, 2], attempts.Select(a => a.Retries));
            for (int i = 1; i < attempts.Length; i++)
            {
                // Backoff 0.2 s doubled per retry, without jitter: each retry's ETA is at least that long after the run
                // before it started, and it ran no earlier than its ETA (recorded moments in order, not a duration).
                long backoff = TimeSpan.FromSeconds(0.2 * Math.Pow(2, i - 1)).Ticks;
                Assert.True(attempts[i].Eta - attempts[i - 1].Started >= backoff, $"Retry {i} was due less than its backoff after run {i - 1} started.");
                Assert.True(attempts[i].Started >= attempts[i].Eta, $"Retry {i} started before its ETA.");
            }
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task SpentRetriesFailWithTheOriginalExceptionType()
    {
        string path = NewPath("spent");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "spent@%h", concurrency: 2);
        try
        {
            AsyncResult<int> result = await App.SendAsync(Jobs.Flaky.Signature(path, 100));

            TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(Guard));
            Assert.Equal(nameof(TimeoutException), failure.RemoteType);
            Assert.Equal("attempt 3 timed out", failure.RemoteMessage);
            Assert.Equal([0, 1, 2, 3], ReadAttempts(path).Select(a => a.Retries));
            Assert.Equal(0u, await ReadyAsync("work"));
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task ARetryHeldByAWorkerKilledBetweenAttemptsRunsOnAnotherWorker()
    {
        string path = NewPath("killed");
        try
        {
            AsyncResult<int> result;
            await using (ProgramProcess victim = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "victim@%h", concurrency: 2))
            {
                result = await App.SendAsync(Jobs.FlakyLater.Signature(path, 1));

                // The retry is on the broker and the first run's message acknowledged once the caller hears RETRY.
                await Poll.UntilAsync(() => Task.FromResult(result.Status), status => status == TaskState.Retry, "the first run to be retried");
                await victim.WaitForLineAsync(line => line.Contains("is retried (1)", StringComparison.Ordinal), "the worker to send the retry");
                Assert.True(ReadAttempts(path).Length == 1, "The retry ran before the worker holding it was killed.");
                Process.GetProcessById(victim.Id).Kill();
                await victim.WaitForExitAsync();
            }

            await using ProgramProcess survivor = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "survivor@%h", concurrency: 2);
            Assert.Equal(1, await result.GetAsync(Guard));
            int[] retries = ReadAttempts(path).Select(a => a.Retries).ToArray();
            output.WriteLine($"runs: {string.Join(",", retries)}; duplicates: {retries.Length - retries.Distinct().Count()}");
            Assert.Equal([0, 1], retries.Distinct().Order());
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task ARateLimitedTaskRunsNoFasterThanItsLimitWhileOtherTasksKeepRunning()
    {
        const int Limited = 20, Others = 40, PerSecond = 5;
        string path = NewPath("rate");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "rate@%h", concurrency: 4);
        try
        {
            AsyncResult<int>[] limited = Enumerable.Range(0, Limited).Select(i => App.Send(Jobs.Limited.Signature(path, i))).ToArray();
            AsyncResult<int>[] others = Enumerable.Range(0, Others).Select(i => App.Send(Jobs.Add.Signature(i, 1))).ToArray();

            // Sent behind more rate-limited messages than the prefetch window (16) holds, the others all finish
            // while the limited ones are still coming through.
            Assert.Equal(Enumerable.Range(1, Others), await Task.WhenAll(others.Select(r => r.GetAsync(Guard))));
            int limitedDone = limited.Count(r => r.IsReady);
            Assert.True(limitedDone < Limited, $"All {Limited} rate-limited tasks were done before the others finished.");

            Assert.Equal(Enumerable.Range(0, Limited), await Task.WhenAll(limited.Select(r => r.GetAsync(Guard))));
            long[] starts = Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*")
                .SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => long.Parse(l.Split(' ')[1])).Order().ToArray();
            Assert.Equal(Limited, starts.Length);

            // Counted, not timed: no two-second window holds more than the limit's runs plus two (the bucket's one
            // banked run, and a refill that the thread pool hands out late, next to the one after it), and the
            // whole batch took at least the time its rate allows, less 10 %.
            int Busiest(long window) => starts.Max(start => starts.Count(s => s >= start && s < start + window));
            int busiest = Busiest(2 * TimeSpan.TicksPerSecond);
            TimeSpan span = TimeSpan.FromTicks(starts[^1] - starts[0]);
            output.WriteLine($"{Limited} runs over {span.TotalSeconds:0.00} s; at most {Busiest(TimeSpan.TicksPerSecond)} in any second and {busiest} in any two; {limitedDone} done when the other {Others} were");
            Assert.True(busiest <= 2 * PerSecond + 2, $"{busiest} rate-limited runs started within two seconds (limit {PerSecond}/s).");
            Assert.True(span >= TimeSpan.FromSeconds((Limited - 1) / (double)PerSecond * 0.9), $"{Limited} runs took only {span.TotalSeconds:0.00} s at {PerSecond}/s.");
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    private static string NewPath(string kind) => Path.Combine(Path.GetTempPath(), $"taskgen-{kind}-" + Guid.NewGuid().ToString("N"));

    private static (int Retries, long Eta, long Started)[] ReadAttempts(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*")
            .SelectMany(File.ReadAllLines).Where(l => l.Length > 0)
            .Select(l => l.Split(' ')).Select(p => (int.Parse(p[0]), long.Parse(p[1]), long.Parse(p[2])))
            .OrderBy(a => a.Item3).ToArray();
}
