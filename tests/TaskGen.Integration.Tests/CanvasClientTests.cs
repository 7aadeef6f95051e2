using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Chains, groups and chords from a TaskGen producer to TaskGen workers over a real broker, with results on rpc:// and
/// on a real Redis, where groups are saved and chords are joined.
/// </summary>
public sealed class CanvasClientTests(RabbitMqFixture broker, RedisFixture redis, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [Fact]
    public async Task AChainOverRpcEndsWithItsLastStepsResult()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "chain-rpc@%h");

        AsyncResult<int> result = await App.SendAsync(Jobs.Add.Signature(1, 2).Then(CanvasSteps.Times.Partial(10)).Then(Jobs.Add.Signature(4, 5)).Then(CanvasSteps.Times.Partial(3)));

        Assert.Equal(27, await result.GetAsync(Guard));
    }

    [Fact]
    public async Task AChainOverRedisEndsWithItsLastStepsResult()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("chain-redis@%h");
        await using TaskApp app = CreateRedisApp();

        AsyncResult<int> result = await app.SendAsync(Jobs.Add.Signature(1, 2).Then(CanvasSteps.Times.Partial(10)).Then(CanvasSteps.Times.Partial(2)));

        Assert.Equal(60, await result.GetAsync(Guard));
    }

    [Fact]
    public async Task AGroupOfTenThousandIsSentTogetherAndAnsweredInMemberOrder()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "group-rpc@%h", 4);
        TaskGroup<int> group = TaskGroup.Of(Enumerable.Range(0, 10_000).Select(i => Jobs.Add.Signature(i, 1)));

        Stopwatch clock = Stopwatch.StartNew();
        GroupResult<int> sent = await App.SendAsync(group);
        TimeSpan sending = clock.Elapsed;
        IReadOnlyList<int> values = await sent.GetAsync(Guard);

        output.WriteLine($"Sent a group of 10,000 members, every publish confirmed, in {sending.TotalMilliseconds:0} ms; all answered after {clock.Elapsed.TotalMilliseconds:0} ms.");
        Assert.Equal(Enumerable.Range(1, 10_000), values);
        Assert.True(sent.IsReady);
    }

    [Fact]
    public async Task AChordOfTenThousandPartsCompletesWithEveryResultInHeaderOrder()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("chord-10k@%h");
        await using TaskApp app = CreateRedisApp();

        Stopwatch clock = Stopwatch.StartNew();
        AsyncResult<string> body = await app.SendAsync(TaskChord.Of(TaskGroup.Of(Enumerable.Range(0, 10_000).Select(i => Jobs.Add.Signature(i, 1))), CanvasSteps.Ordered.Partial("10k")));
        string joined = await body.GetAsync(Guard);

        output.WriteLine($"A chord of 10,000 parts gave its body's result {clock.Elapsed.TotalMilliseconds:0} ms after the first send.");
        Assert.Equal("10k:" + string.Join(",", Enumerable.Range(1, 10_000)), joined);
    }

    [Fact]
    public async Task AGroupSavedOnRedisIsRestoredByAnotherApp()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("group-redis@%h");
        string id;
        await using (TaskApp sender = CreateRedisApp())
        {
            GroupResult<int> sent = await sender.SendAsync(TaskGroup.Of(Jobs.Add.Signature(1, 1), Jobs.Slow.Signature(2, 300), Jobs.Add.Signature(3, 3)));
            await sent.SaveAsync();
            id = sent.Id;
        }

        await using TaskApp reader = CreateRedisApp();
        GroupResult<int>? restored = await reader.RestoreGroupAsync(Jobs.Add.Descriptor, id);

        Assert.NotNull(restored);
        Assert.Equal(id, restored.Id);
        Assert.Equal([2, 2, 6], await restored.GetAsync(Guard));
        Assert.Null(await reader.RestoreGroupAsync(Jobs.Add.Descriptor, Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task AChordsBodyReceivesTheHeadersResultsInHeaderOrder()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("chord@%h");
        await using TaskApp app = CreateRedisApp();

        // The first member finishes last, so arrival order and header order differ.
        TaskGroup<int> header = TaskGroup.Of(Jobs.Slow.Signature(1, 900), Jobs.Slow.Signature(2, 300), Jobs.Slow.Signature(3, 0));
        AsyncResult<string> result = await app.SendAsync(TaskChord.Of(header, CanvasSteps.Ordered.Partial("joined")));

        Assert.Equal("joined:1,2,3", await result.GetAsync(Guard));
    }

    // Waits for the Redis group store: a chord is refused on a backend without one, even an empty chord.
    [Fact]
    public async Task AChordOfZeroPartsRunsItsBodyOnAnEmptyList()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("chord-empty@%h");
        await using TaskApp app = CreateRedisApp();

        AsyncResult<string> result = await app.SendAsync(TaskChord.Of(TaskGroup.Of<int>(), CanvasSteps.Ordered.Partial("empty")));

        Assert.Equal("empty:", await result.GetAsync(Guard));
    }

    private Task<ProgramProcess> StartRedisWorkerAsync(string nodeName) =>
        ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", nodeName, 4, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url });

    private TaskApp CreateRedisApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });
}
