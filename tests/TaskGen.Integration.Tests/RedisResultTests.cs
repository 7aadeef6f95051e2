using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The redis:// result backend on a real broker and a real Redis: results stored by id outlive their caller, every
/// state Celery stores arrives (RETRY is not the end), and the stored value is Celery's.
/// </summary>
public sealed class RedisResultTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [Fact]
    public async Task ResultsOfACallerKilledBeforeTheyExistAreReadByIdFromAnotherProcess()
    {
        const int Count = 20;
        var ids = new List<string>();

        // The caller sends and is killed outright; no worker runs yet, so no result exists while it lives.
        await using (ProgramProcess caller = ProgramProcess.Start(WorkerProgram, "send-then-hang", Broker.Url, redis.Url, Count.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await caller.WaitForLineAsync(line => line == "all sent", "the caller to send its tasks");
            ids.AddRange(caller.Lines.Where(l => l.StartsWith("sent ", StringComparison.Ordinal)).Select(l => l["sent ".Length..]));
            Process.GetProcessById(caller.Id).Kill();
            await caller.WaitForExitAsync();
        }

        Assert.Equal(Count, ids.Count);
        await using ProgramProcess worker = await StartRedisWorkerAsync("by-id@%h");
        await using TaskApp reader = CreateRedisApp();

        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(i + i, await reader.GetResult(Jobs.Add.Descriptor, ids[i]).GetAsync(Guard));
        }

        // A result already stored is read at once, and the untyped form gives its JSON.
        AsyncResult<JsonElement> again = reader.GetResult(ids[Count - 1]);
        Assert.Equal(2 * (Count - 1), (await again.GetAsync(Guard)).GetInt32());
        Assert.Equal(TaskState.Success, again.Status);
    }

    [Fact]
    public async Task AReaderByIdJoinsACallThisAppAlreadyWaitsFor()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("joined@%h");
        await using TaskApp app = CreateRedisApp();

        AsyncResult<int> sent = await app.SendAsync(Jobs.Slow.Signature(7, 1500));
        AsyncResult<int> joined = app.GetResult(Jobs.Slow.Descriptor, sent.Id);

        Assert.Equal(7, await joined.GetAsync(Guard));
        Assert.Equal(7, await sent.GetAsync(Guard));
        Assert.Equal(7, await app.GetResult(Jobs.Slow.Descriptor, sent.Id).GetAsync(Guard));
    }

    [Fact]
    public async Task AResultPublishedWhileTheCallerIsCutOffIsReadWhenItIsBack()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("outage@%h");
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);

        // The caller has a Redis user of its own, so that it alone can be locked out while the worker stores.
        string user = "caller-" + Guid.NewGuid().ToString("N")[..8];
        string password = Guid.NewGuid().ToString("N");
        await server.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all");
        try
        {
            Redis.RedisUrl url = Redis.RedisUrl.Parse(redis.Url);
            await using TaskApp app = CreateRedisApp($"redis://{user}:{password}@{url.Host}:{url.Port}/{url.Database}");

            AsyncResult<int> sent = await app.SendAsync(Jobs.Slow.Signature(11, 1000));
            RedisChannel channel = RedisChannel.Literal("celery-task-meta-" + sent.Id);
            await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(channel), n => n > 0, "the caller to subscribe");

            await server.ExecuteAsync("ACL", "SETUSER", user, "off");
            await server.ExecuteAsync("CLIENT", "KILL", "USER", user);
            await Poll.UntilAsync(() => admin.GetDatabase().KeyExistsAsync("celery-task-meta-" + sent.Id), stored => stored, "the worker to store the result");
            Assert.Equal(0, await server.SubscriptionSubscriberCountAsync(channel));
            await server.ExecuteAsync("ACL", "SETUSER", user, "on");

            // The PUBLISH reached nobody: only reading the key again after reconnecting finds the result.
            Assert.Equal(11, await sent.GetAsync(Guard));
        }
        finally
        {
            await server.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task TheStoredValueIsCelerysAndExpiresWithResultExpires()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("layout@%h");
        await using TaskApp app = CreateRedisApp();

        AsyncResult<int> result = await app.SendAsync(Jobs.Add.Signature(2, 3));
        Assert.Equal(5, await result.GetAsync(Guard));

        await using ConnectionMultiplexer connection = await ConnectAsync();
        IDatabase database = connection.GetDatabase();
        string key = "celery-task-meta-" + result.Id;
        using JsonDocument stored = JsonDocument.Parse((string)(await database.StringGetAsync(key))!);
        JsonElement root = stored.RootElement;
        Assert.Equal(["children", "date_done", "result", "status", "task_id", "traceback"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("SUCCESS", root.GetProperty("status").GetString());
        Assert.Equal(5, root.GetProperty("result").GetInt32());
        Assert.Equal(result.Id, root.GetProperty("task_id").GetString());
        TimeSpan? ttl = await database.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1));
        Assert.DoesNotContain(worker.Lines, line => line.Contains(redis.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetryIsHeardAndTheValueFollows()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("retrying@%h");
        await using TaskApp app = CreateRedisApp();
        await using ConnectionMultiplexer connection = await ConnectAsync();
        string id = Guid.NewGuid().ToString();
        var states = new ConcurrentQueue<string>();
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal("celery-task-meta-" + id), (_, value) =>
        {
            using JsonDocument message = JsonDocument.Parse((string)value!);
            states.Enqueue(message.RootElement.GetProperty("status").GetString()!);
        });
        DirectoryInfo records = Directory.CreateTempSubdirectory("taskgen-redis-");
        try
        {
            AsyncResult<int> result = await app.SendAsync(Jobs.Flaky.Signature(Path.Combine(records.FullName, "flaky"), 2, new TaskOptions { TaskId = id }));

            Assert.Equal(2, await result.GetAsync(Guard));
            await Poll.UntilAsync(() => Task.FromResult(states.Count), n => n >= 3, "three states on the channel");
            Assert.Equal(["RETRY", "RETRY", "SUCCESS"], states.ToArray());
            Assert.Equal(TaskState.Success, result.Status);
        }
        finally
        {
            records.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AFailureKeepsItsExceptionTypeWhenReadById()
    {
        await using ProgramProcess worker = await StartRedisWorkerAsync("failing@%h");
        await using TaskApp app = CreateRedisApp();
        AsyncResult<int> sent = await app.SendAsync(Jobs.Fail.Signature("through redis"));
        await Assert.ThrowsAsync<TaskFailedException>(() => sent.GetAsync(Guard));

        await using TaskApp other = CreateRedisApp();
        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => other.GetResult(Jobs.Fail.Descriptor, sent.Id).GetAsync(Guard));

        Assert.Equal("InvalidOperationException", failed.RemoteType);
        Assert.Contains("through redis", failed.RemoteMessage, StringComparison.Ordinal);
        Assert.NotNull(failed.RemoteTraceback);
    }

    [Fact]
    public async Task ABroadcastsRepliesAreKeptPerWorkerAndCollectedLaterByIdFromAnotherApp()
    {
        await using ProgramProcess alpha = await StartRedisWorkerAsync("alpha-redis@%h", "fleet");
        await using ProgramProcess beta = await StartRedisWorkerAsync("beta-redis@%h", "fleet");
        string host = Environment.MachineName;
        string[] nodes = [$"alpha-redis@{host}", $"beta-redis@{host}"];

        string id;
        await using (TaskApp caller = CreateRedisApp())
        {
            BroadcastResult<string> sent = await caller.BroadcastAsync(Jobs.Hello.Signature("hello"));
            IReadOnlyDictionary<string, string> replies = await sent.GetAsync(Guard, expectedCount: 2);
            Assert.Equal(nodes, replies.Keys.Order(StringComparer.Ordinal));
            id = sent.Id;
        }

        // The caller is gone; another app reads both replies by id from the hash, without waiting for the timeout.
        await using TaskApp reader = CreateRedisApp();
        Task<IReadOnlyDictionary<string, string>> later = reader.GetBroadcastResult(Jobs.Hello.Descriptor, id).GetAsync(TimeSpan.FromHours(1), expectedCount: 2);
        IReadOnlyDictionary<string, string> collected = await later.WaitAsync(Guard);
        Assert.Equal(nodes, collected.Keys.Order(StringComparer.Ordinal));
        Assert.Equal($"hello from beta-redis@{host}", collected[$"beta-redis@{host}"]);

        // The untyped form reads the same replies; the task's own key holds one worker's answer, as Celery stores it.
        BroadcastResult<JsonElement> raw = reader.GetBroadcastResult(id);
        IReadOnlyDictionary<string, BroadcastReply> rawReplies = await raw.CollectAsync(Guard, expectedCount: 2);
        Assert.All(rawReplies.Values, reply => Assert.Equal(TaskState.Success, reply.Status));
        await using ConnectionMultiplexer connection = await ConnectAsync();
        IDatabase database = connection.GetDatabase();
        Assert.Equal(2, await database.HashLengthAsync("taskgen-broadcast-meta-" + id));
        Assert.InRange((await database.KeyTimeToLiveAsync("taskgen-broadcast-meta-" + id))!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1));
        Assert.StartsWith("hello from ", (await reader.GetResult(Jobs.Hello.Descriptor, id).GetAsync(Guard)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACollectorByIdHearsRepliesStoredAfterItStarted()
    {
        await using TaskApp caller = CreateRedisApp();
        await using TaskApp reader = CreateRedisApp();
        await using ProgramProcess gamma = await StartRedisWorkerAsync("gamma-redis@%h", "fleet");
        string id = Guid.NewGuid().ToString();

        // The reader starts collecting before the broadcast exists: the reply reaches it through the hash's channel.
        BroadcastResult<string> early = reader.GetBroadcastResult(Jobs.Hello.Descriptor, id);
        Task<IReadOnlyDictionary<string, string>> collecting = early.GetAsync(TimeSpan.FromHours(1), expectedCount: 1);
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(RedisChannel.Literal("taskgen-broadcast-meta-" + id)), n => n > 0, "the reader to subscribe");
        Assert.False(collecting.IsCompleted);

        await caller.BroadcastAsync(Jobs.Hello.Signature("late", new TaskOptions { TaskId = id }));

        IReadOnlyDictionary<string, string> replies = await collecting.WaitAsync(Guard);
        Assert.Equal($"late from gamma-redis@{Environment.MachineName}", Assert.Single(replies).Value);
    }

    private Task<ProgramProcess> StartRedisWorkerAsync(string nodeName, string queues = "work,slow") =>
        ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, queues, nodeName, 4, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url });

    private TaskApp CreateRedisApp(string? resultBackend = null) => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = resultBackend ?? redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        Redis.RedisUrl url = Redis.RedisUrl.Parse(redis.Url);
        return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, DefaultDatabase = url.Database, AllowAdmin = true });
    }
}
