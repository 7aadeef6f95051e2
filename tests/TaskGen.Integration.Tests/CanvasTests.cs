using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Redis;
using TaskGen.Worker;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Chords, nested canvases and errbacks run by a TaskGen worker on a real broker and a real Redis: the messages are
/// the ones Celery's canvas sends (built here through the worker's own dispatch, as a Python producer would send them),
/// the parts are counted in Celery's Redis keys, and the body starts once, with every result in order.
/// </summary>
public sealed class CanvasTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    private static string Sig(string task, string args = "[]", string options = "{}") =>
        $$"""{"task": "{{task}}", "args": {{args}}, "kwargs": {}, "options": {{options}}, "subtask_type": null, "immutable": false}""";

    private static string Group(string id, params string[] members) =>
        $$"""{"task": "celery.group", "args": [], "kwargs": {"tasks": [{{string.Join(", ", members)}}]}, "options": {"task_id": "{{id}}"}, "subtask_type": "group", "immutable": false}""";

    private static string Chain(params string[] steps) =>
        $$"""{"task": "celery.chain", "args": [], "kwargs": {"tasks": [{{string.Join(", ", steps)}}]}, "options": {}, "subtask_type": "chain", "immutable": false}""";

    private static string Chord(string header, string body) =>
        $$"""{"task": "celery.chord", "args": [], "kwargs": {"kwargs": {}, "header": {{header}}, "body": {{body}}}, "options": {}, "subtask_type": "chord", "immutable": false}""";

    [Fact]
    public async Task AChordOfTaskGenTasksCallsItsBodyOnceWithEveryResultInHeaderOrder()
    {
        string gid = Guid.NewGuid().ToString();
        string bodyId = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chord@test");

        await SendAsync(app, Chord(
            Group(gid, Sig("canvas.square", "[1]"), Sig("canvas.square", "[2]"), Sig("canvas.square", "[3]"), Sig("canvas.square", "[4]"), Sig("canvas.square", "[5]")),
            Sig("canvas.join", options: $$"""{"task_id": "{{bodyId}}"}""")));

        JsonElement joined = await ResultAsync(app, bodyId);
        Assert.Equal("1,4,9,16,25", joined.GetString());

        // The last part deletes the chord's counters, as Celery does.
        RedisUrl url = RedisUrl.Parse(redis.Url);
        await using ConnectionMultiplexer mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, DefaultDatabase = url.Database });
        Assert.False(await mux.GetDatabase().KeyExistsAsync(RedisGroupStore.Key(gid) + ".j"));
        Assert.False(await mux.GetDatabase().KeyExistsAsync(RedisGroupStore.Key(gid) + ".s"));
    }

    [Fact]
    public async Task AFailedHeaderPartFailsTheBodyWithCelerysChordErrorAndSendsItsErrback()
    {
        string gid = Guid.NewGuid().ToString();
        string bodyId = Guid.NewGuid().ToString();
        string failedId = Guid.NewGuid().ToString();
        string record = Path.Combine(Path.GetTempPath(), $"taskgen-errback-{Guid.NewGuid():N}");
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chord-fail@test");

        string errback = Sig("canvas.record_failure", JsonSerializer.Serialize(new[] { record }));
        await SendAsync(app, Chord(
            Group(gid, Sig("canvas.square", "[2]"), Sig("canvas.boom", "[\"bad input\"]", $$"""{"task_id": "{{failedId}}"}""")),
            Sig("canvas.total", options: $$"""{"task_id": "{{bodyId}}", "link_error": [{{errback}}]}""")));

        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => ResultAsync(app, bodyId));
        Assert.Equal("ChordError", failed.RemoteType);
        Assert.Equal($"Dependency {failedId} raised InvalidOperationException('bad input')", failed.RemoteMessage);
        try
        {
            string recorded = await Poll.UntilAsync(() => Task.FromResult(File.Exists(record) ? File.ReadAllText(record) : string.Empty), s => s.Length > 0, "the body's errback to run");
            Assert.Equal(bodyId, recorded);
        }
        finally
        {
            File.Delete(record);
        }
    }

    [Fact]
    public async Task AChordInAChordHeaderReturnsThroughItsBodyAsOnePart()
    {
        string bodyId = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "nested@test");

        string inner = Chord(Group(Guid.NewGuid().ToString(), Sig("canvas.square", "[1]"), Sig("canvas.square", "[3]")), Sig("canvas.total"));
        await SendAsync(app, Chord(
            Group(Guid.NewGuid().ToString(), Sig("canvas.square", "[2]"), inner, Sig("canvas.square", "[4]")),
            Sig("canvas.join", options: $$"""{"task_id": "{{bodyId}}"}""")));

        Assert.Equal("4,10,16", (await ResultAsync(app, bodyId)).GetString());
    }

    [Fact]
    public async Task AChainOfAGroupAndAChordRunsAsCeleryUpgradesIt()
    {
        string bodyId = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chain@test");

        // chain(group(add(1,1), add(2,2)), chord([total(), total()], join)): the group's results go to each header part.
        await SendAsync(app, Chain(
            Group(Guid.NewGuid().ToString(), Sig("canvas.add", "[1, 1]"), Sig("canvas.add", "[2, 2]")),
            Chord(Group(Guid.NewGuid().ToString(), Sig("canvas.total"), Sig("canvas.total")), Sig("canvas.join", options: $$"""{"task_id": "{{bodyId}}"}"""))));

        Assert.Equal("6,6", (await ResultAsync(app, bodyId)).GetString());
    }

    [Fact]
    public async Task APartWithAGroupIndexOutOfRangeFailsTheBodyAndEndsTheChordSoLaterPartsDoNotStartIt()
    {
        string gid = Guid.NewGuid().ToString();
        string bodyId = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chord-range@test");
        List<Workflow.FollowUp> parts = await SizeAndPartsAsync(Chord(
            Group(gid, Sig("canvas.square", "[1]"), Sig("canvas.square", "[2]"), Sig("canvas.square", "[3]")),
            Sig("canvas.join", options: $$"""{"task_id": "{{bodyId}}"}""")));

        // The first part claims a place past the chord's end; the body fails before the others run.
        await app.Router.SendFollowUpAsync(parts[0].Envelope with { GroupIndex = 7 }, parts[0].Queue);
        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => ResultAsync(app, bodyId));
        Assert.Equal("ChordError", failed.RemoteType);
        Assert.Equal($"Chord part {parts[0].Envelope.Id} has group_index 7, outside the chord's 3 parts.", failed.RemoteMessage);

        // The other two complete the count a chord left open would reach; each finds the chord ended instead.
        await app.Router.SendFollowUpAsync(parts[1].Envelope, parts[1].Queue);
        await app.Router.SendFollowUpAsync(parts[2].Envelope, parts[2].Queue);
        await Poll.UntilAsync(() => Task.FromResult(Count(_logs.Text, "returned after the chord was ended")), n => n == 2, "the later parts to find the chord ended");
        TaskFailedException still = await Assert.ThrowsAsync<TaskFailedException>(() => ResultAsync(app, bodyId));
        Assert.Equal(failed.RemoteMessage, still.RemoteMessage);
        Assert.DoesNotContain($"Chord {gid}: all", _logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChordWhoseSizeKeyIsMissingJoinsOnceByTheSizeItsMessagesCarryAndWarns()
    {
        string gid = Guid.NewGuid().ToString();
        string bodyId = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chord-carried@test");
        List<Workflow.FollowUp> parts = await SizeAndPartsAsync(
            Chord(Group(gid, Sig("canvas.square", "[1]"), Sig("canvas.square", "[2]"), Sig("canvas.square", "[3]")), Sig("canvas.join", options: $$"""{"task_id": "{{bodyId}}"}""")),
            setSizes: false);

        foreach (Workflow.FollowUp part in parts)
        {
            await app.Router.SendFollowUpAsync(part.Envelope, part.Queue);
        }

        Assert.Equal("1,4,9", (await ResultAsync(app, bodyId)).GetString());
        Assert.Equal(1, Count(_logs.Text, $"Chord {gid}: its size key was missing, so the chord joined by the size of 3 its messages carried."));
    }

    [Fact]
    public async Task AChordWhoseSizeKeyIsMissingAndWhoseMessagesCarryNoSizeWaitsAndSaysSoForEachPart()
    {
        string gid = Guid.NewGuid().ToString();
        await using TaskApp app = CreateApp();
        await using TaskWorker worker = await StartWorkerAsync(app, "chord-nosize@test");
        List<Workflow.FollowUp> parts = await SizeAndPartsAsync(Chord(Group(gid, Sig("canvas.square", "[1]"), Sig("canvas.square", "[2]")), Sig("canvas.join")), setSizes: false);

        // Without the header these are the messages a Python producer sends.
        foreach (Workflow.FollowUp part in parts)
        {
            await app.Router.SendFollowUpAsync(part.Envelope with { ExtraHeaders = null }, part.Queue);
        }

        await Poll.UntilAsync(() => Task.FromResult(Count(_logs.Text, "but the chord waits for its size key")), n => n == 2, "both parts to report that the chord waits for its size key");
        Assert.StartsWith("Information: ", _logs.Text.Split(Environment.NewLine).First(l => l.Contains("waits for its size key", StringComparison.Ordinal)), StringComparison.Ordinal);
        RedisUrl url = RedisUrl.Parse(redis.Url);
        await using ConnectionMultiplexer mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, DefaultDatabase = url.Database });
        Assert.Equal(2, await mux.GetDatabase().SortedSetLengthAsync(RedisGroupStore.Key(gid) + ".j"));
    }

    private readonly CapturedLogs _logs = new();

    private TaskApp CreateApp() => TaskApp.Create(b =>
    {
        b.LoggerFactory = _logs;
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });

    private static async Task<TaskWorker> StartWorkerAsync(TaskApp app, string nodeName)
    {
        await app.Transport.PurgeAsync("canvas", CancellationToken.None);
        TaskWorker worker = app.CreateWorker(new WorkerOptions { Queues = ["canvas"], Concurrency = 4, NodeName = nodeName });
        await worker.StartAsync();
        return worker;
    }

    // Sends a canvas as a producer would: the chord sizes into Redis, the messages to the broker, in the order Celery sends them.
    private async Task SendAsync(TaskApp app, string canvas)
    {
        await using var connection = new RedisResultConnection(RedisUrl.Parse(redis.Url), "canvas-tests");
        var groups = new RedisGroupStore(connection, TimeSpan.FromMinutes(10));
        foreach (CanvasDispatch.Step step in CanvasDispatch.Start(canvas, null, new CanvasDispatch.Origin("producer", "producer", "gen@test")))
        {
            if (step.ChordGroupId is { } groupId)
            {
                await groups.SetChordSizeAsync(groupId, step.ChordSize, CancellationToken.None);
            }
            else
            {
                await app.Router.SendFollowUpAsync(step.Send!.Envelope, step.Send.Queue);
            }
        }
    }

    // Starts a canvas through the worker's dispatch, sets its chord sizes in Redis unless told not to, and returns the
    // messages unsent, so that a test can send them in its own order or change them first.
    private async Task<List<Workflow.FollowUp>> SizeAndPartsAsync(string canvas, bool setSizes = true)
    {
        await using var connection = new RedisResultConnection(RedisUrl.Parse(redis.Url), "canvas-tests");
        var groups = new RedisGroupStore(connection, TimeSpan.FromMinutes(10));
        var sends = new List<Workflow.FollowUp>();
        foreach (CanvasDispatch.Step step in CanvasDispatch.Start(canvas, null, new CanvasDispatch.Origin("producer", "producer", "gen@test")))
        {
            if (step.ChordGroupId is { } groupId)
            {
                if (setSizes)
                {
                    await groups.SetChordSizeAsync(groupId, step.ChordSize, CancellationToken.None);
                }
            }
            else
            {
                sends.Add(step.Send!);
            }
        }

        return sends;
    }

    private static int Count(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // A chord that never joins is a bug to explain, not a hang: the wait is bounded and its failure shows the worker's log.
    private async Task<JsonElement> ResultAsync(TaskApp app, string id)
    {
        try
        {
            return await app.GetResult(id).GetAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{_logs.Text}", ex);
        }
    }
}
