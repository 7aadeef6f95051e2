using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Protocol;
using TaskGen.Transport;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A redis:// result backend that goes down mid-stream on a real broker and a real Redis: a task that ran while it was
/// down runs once, its message is held while its result waits to be stored, and past the bound it goes to the dead
/// letters with its outcome instead of running again or being dropped.
/// </summary>
public sealed class RedisOutageFaultTests(RabbitMqFixture broker, RedisFixture redis, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    private const int Count = 200;

    // How long Redis stays down: the fault itself, not a wait for something to happen.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TasksRunWhileRedisIsDownRunOnceAndAnswerTheirCallersOnceItIsBack()
    {
        Figures figures = await RunThroughOutageAsync("redis-held@%h", retryTime: null);
        Assert.True(
            figures.Twice == 0 && figures.Missing == 0 && figures.Unanswered == 0 && figures.Dead.Count == 0 && figures.Left == 0,
            figures.ToString());
    }

    [Fact]
    public async Task ResultsNotStoredWithinTheBoundGoToTheDeadLettersWithTheirOutcomeAndRunOnce()
    {
        Figures figures = await RunThroughOutageAsync("redis-bounded@%h", retryTime: "4");
        Assert.True(figures.Twice == 0 && figures.Missing == 0 && figures.Left == 0, figures.ToString());

        // The bound is well below the outage, so some outcomes could not wait; each of those is kept, none twice.
        Assert.True(figures.Dead.Count > 0, figures.ToString());
        Assert.Equal(Count, figures.Answered.Count + figures.Dead.Count);
        Assert.Empty(figures.Answered.Intersect(figures.Dead.Keys));
        foreach ((int id, string? outcome) in figures.Dead)
        {
            Assert.True(outcome is not null, $"dead letter of task {id} has no x-taskgen-result header");
            using JsonDocument meta = JsonDocument.Parse(outcome);
            Assert.Equal("SUCCESS", meta.RootElement.GetProperty("status").GetString());
            Assert.Equal(id, meta.RootElement.GetProperty("result").GetInt32());
        }
    }

    private async Task<Figures> RunThroughOutageAsync(string nodeName, string? retryTime)
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-redis-outage-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url };
        if (retryTime is not null)
        {
            environment["TaskGen__WorkerResultStoreRetryTime"] = retryTime;
        }

        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", nodeName, 4, environment);
        await DrainDeadLettersAsync(_ => { });
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = redis.Url;
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });

        try
        {
            AsyncResult<int>[] results = await SendUntilAFifthRunAsync(app, path, Count);
            await redis.StopServerAsync();
            try
            {
                await Poll.UntilAsync(() => Task.FromResult(worker.Lines.Count(l => l.Contains("could not be sent to the result backend", StringComparison.Ordinal))), n => n > 0, "the worker to fail storing a result");
                await Task.Delay(Outage);
            }
            finally
            {
                await redis.StartServerAsync();
            }

            // Every id is either answered or in the dead letters, or the wait gives up and the figures say what is missing.
            Task<int>[] waits = results.Select(r => r.GetAsync(TimeSpan.FromSeconds(40))).ToArray();
            var dead = new Dictionary<int, string?>();
            try
            {
                await Poll.UntilAsync(
                    async () =>
                    {
                        await DrainDeadLettersAsync(letter => Collect(letter, path, dead));
                        return (Settled: waits.Count(w => w.IsCompletedSuccessfully) + dead.Count, Ready: await ReadyAsync("work"));
                    },
                    now => now.Settled >= Count && now.Ready == 0,
                    "every task to be answered or dead-lettered, and the work queue to be empty",
                    TimeSpan.FromMilliseconds(200));
            }
            catch (TimeoutException ex)
            {
                // The figures below say what is missing.
                output.WriteLine(ex.Message);
            }

            await DrainDeadLettersAsync(letter => Collect(letter, path, dead));
            int[] runs = EtaFaultTests.ReadRuns(path);
            HashSet<int> answered = [.. Enumerable.Range(0, Count).Where(i => waits[i].IsCompletedSuccessfully)];
            var figures = new Figures(
                Twice: runs.GroupBy(id => id).Count(g => g.Count() > 1),
                Missing: Count - runs.Distinct().Count(),
                Unanswered: Count - answered.Count,
                Answered: answered,
                Dead: dead,
                Left: await ReadyAsync("work"));
            output.WriteLine(figures.ToString());
            return figures;
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> tasks that each record their id in <paramref name="path"/> and take 100 ms, and
    /// returns once a fifth of them ran: the moment a fault test breaks the result store mid-stream.
    /// </summary>
    internal static async Task<AsyncResult<int>[]> SendUntilAFifthRunAsync(TaskApp app, string path, int count)
    {
        var results = new AsyncResult<int>[count];
        for (int i = 0; i < count; i++)
        {
            results[i] = await app.SendAsync(Jobs.RecordSlowly.Signature(path, i, 100));
        }

        await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), n => n >= count / 5, "a fifth of the tasks to run");
        return results;
    }

    private static void Collect(Delivery letter, string path, Dictionary<int, string?> dead)
    {
        // Only this test's tasks: the path is in each one's arguments.
        string body = System.Text.Encoding.UTF8.GetString(letter.Message.Body.Span);
        using JsonDocument arguments = JsonDocument.Parse(body);
        JsonElement args = arguments.RootElement[0];
        if (args.GetArrayLength() >= 2 && args[0].GetString() == path)
        {
            dead[args[1].GetInt32()] = TaskMessageCodec.HeaderString(letter.Message.Headers, "x-taskgen-result");
        }
    }

    /// <summary>Takes every message out of the dead-letter queue, handing each to <paramref name="read"/>.</summary>
    private async Task DrainDeadLettersAsync(Action<Delivery> read)
    {
        await using IQueueReader reader = await App.Transport.OpenReaderAsync(RabbitMqFixture.DeadLetters, CancellationToken.None);
        while (await reader.GetAsync(CancellationToken.None) is { } delivery)
        {
            read(delivery);
            await delivery.AckAsync();
        }
    }

    private sealed record Figures(int Twice, int Missing, int Unanswered, HashSet<int> Answered, Dictionary<int, string?> Dead, uint Left)
    {
        public override string ToString() =>
            $"of {Count} tasks: {Twice} ran twice, {Missing} never ran, {Unanswered} callers unanswered, {Dead.Count} dead-lettered "
            + $"({Dead.Count(d => d.Value is not null)} with their outcome), {Left} left in the queue";
    }
}
