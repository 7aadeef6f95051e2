using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// With <c>TaskAcksLate = false</c> a task's message is acknowledged when it starts, so a path that would put it back
/// on the queue puts back nothing: the caller must hear a FAILURE instead of waiting for a run that never comes.
/// </summary>
public sealed class AcksEarlyFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    private static readonly Dictionary<string, string> s_acksEarly = new() { ["TaskGen__TaskAcksLate"] = "false" };

    [Fact]
    public async Task ARetryTheBrokerRefusesFailsTheCaller()
    {
        const int Count = 5;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-refused-" + Guid.NewGuid().ToString("N"));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "refused@%h", Count, s_acksEarly);
        try
        {
            // Due later, so the worker holds them (delivered, not yet started) while the queue is made to refuse every publish.
            var due = new TaskOptions { Countdown = TimeSpan.FromSeconds(5) };
            AsyncResult<int>[] results = await Task.WhenAll(Enumerable.Range(0, Count).Select(_ => App.SendAsync(Jobs.Flaky.Signature(path, 1, due))));
            await Poll.UntilAsync(() => ReadyAsync("work"), n => n == 0, "the worker to hold every task until its ETA");
            await Broker.CtlAsync("set_policy", "refuse-work", "^work$", """{"max-length": 0, "overflow": "reject-publish"}""", "--apply-to", "queues");
            Assert.True(!Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*").Any(), "A task ran before the queue refused publishes; the test cannot see its retry refused.");

            int failed = await CountFailuresAsync(results, "TimeoutException");
            output.WriteLine($"{failed} of {Count} callers heard FAILURE after their retry was refused");
            Assert.Equal(Count, failed);
            Assert.Contains(worker.Lines, line => line.Contains("could not be sent", StringComparison.Ordinal));
        }
        finally
        {
            await Broker.CtlAsync("clear_policy", "refuse-work");
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task ATaskCutOffByShutdownFailsWithWorkerLostEvenWhenRejectOnWorkerLostIsSet()
    {
        const int Count = 4;
        var environment = new Dictionary<string, string>(s_acksEarly)
        {
            ["TaskGen__TaskRejectOnWorkerLost"] = "true",
            ["TaskGen__WorkerShutdownTimeout"] = "0.5",
        };
        AsyncResult<int>[] results;
        IReadOnlyList<string> lines;
        await using (ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "lost@%h", Count, environment))
        {
            // Acknowledged early, a task's message is settled as it starts: nothing ready and nothing unacknowledged means
            // every task runs. A stop that came before would hand unstarted ones back, which is not this test's case.
            results = await Task.WhenAll(Enumerable.Range(0, Count).Select(_ => App.SendAsync(Jobs.Spin.Signature(120_000))));
            await Poll.UntilAsync(
                async () => (await Broker.CtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged")).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("work\t", StringComparison.Ordinal)),
                line => line == "work\t0\t0",
                "every task to start (acknowledged as it starts)");

            // Each task polls its token, so it gives up when the shutdown grace runs out.
            worker.Terminate();
            await worker.WaitForExitAsync();
            lines = worker.Lines;
        }

        foreach (string line in lines.TakeLast(20))
        {
            output.WriteLine(line);
        }

        int failed = await CountFailuresAsync(results, "WorkerLostError");
        output.WriteLine($"{failed} of {Count} callers heard FAILURE after the worker stopped under them");
        Assert.Equal(Count, failed);
        Assert.Equal(0u, await ReadyAsync("work"));
        Assert.Contains(lines, line => line.Contains("TaskRejectOnWorkerLost has no effect without TaskAcksLate", StringComparison.Ordinal));
    }

    /// <summary>Counts the calls that failed with <paramref name="remoteType"/>; one that hangs counts as not failed once the guard is out.</summary>
    private static async Task<int> CountFailuresAsync(AsyncResult<int>[] results, string remoteType)
    {
        int failed = 0;
        foreach (Task<int> value in results.Select(r => r.GetAsync(Guard)).ToArray())
        {
            try
            {
                await value;
            }
            catch (TaskFailedException failure) when (failure.RemoteType == remoteType)
            {
                failed++;
            }
            catch (TimeoutException)
            {
            }
        }

        return failed;
    }
}
