using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Waits for results on a real Redis that end without one (a timeout, a cancellation): they leave no subscription,
/// no server-side channel and no waiter behind, and a later wait on the same result still gets it.
/// </summary>
public sealed class ResultWaitFaultTests(RabbitMqFixture broker, RedisFixture redis, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [Fact]
    public async Task TenThousandIdsPolledPastTheirTimeoutLeaveNoSubscriptionNorWaiterBehind()
    {
        const int Count = 10_000, AtOnce = 100;
        await using TaskApp app = CreateRedisApp();
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);

        // One result read first, so the app's connection is open and counted in the starting figures.
        string first = Guid.NewGuid().ToString();
        await admin.GetDatabase().StringSetAsync("celery-task-meta-" + first, StoredSuccess(first, 1), TimeSpan.FromMinutes(5));
        Assert.Equal(1, (await app.GetResult(first).GetAsync(Guard)).GetInt32());
        await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(RedisChannel.Literal("celery-task-meta-" + first)), n => n == 0, "the first read to let its id go");
        Leftovers start = await CountAsync(server, app);

        // Many at a time, so that most waits end while their subscription is still on its way to Redis.
        int timedOut = 0;
        for (int batch = 0; batch < Count / AtOnce; batch++)
        {
            Task[] waits = Enumerable.Range(0, AtOnce).Select(_ => (Task)app.GetResult(Guid.NewGuid().ToString()).GetAsync(TimeSpan.FromMilliseconds(10))).ToArray();
            foreach (Task wait in waits)
            {
                await Assert.ThrowsAsync<TimeoutException>(() => wait);
                timedOut++;
            }
        }

        Assert.Equal(Count, timedOut);
        Leftovers right = await CountAsync(server, app);
        output.WriteLine($"start {start}; right after {Count} timed-out waits {right}");
        Leftovers settled = await Poll.UntilAsync(() => CountAsync(server, app), l => l == start, $"the {Count} timed-out waits to leave nothing behind (start {start})");
        output.WriteLine($"settled {settled}");
    }

    [Fact]
    public async Task AWaitThatTimedOutOrWasCancelledDoesNotStopALaterWaitFromGettingTheResult()
    {
        await using TaskApp app = CreateRedisApp();
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        string id = Guid.NewGuid().ToString();
        RedisChannel channel = RedisChannel.Literal("celery-task-meta-" + id);

        AsyncResult<JsonElement> result = app.GetResult(id);
        await Assert.ThrowsAsync<TimeoutException>(() => result.GetAsync(TimeSpan.FromMilliseconds(10)));
        using (var cancelled = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(10)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result.GetAsync(Guard, cancelled.Token));
        }

        await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(channel), n => n == 0, "the ended waits to unsubscribe");

        // The next wait watches the id again: a state published while it waits reaches it.
        Task<JsonElement> later = result.GetAsync(Guard);
        await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(channel), n => n == 1, "the later wait to subscribe");
        string stored = StoredSuccess(id, 42);
        await admin.GetDatabase().StringSetAsync("celery-task-meta-" + id, stored, TimeSpan.FromMinutes(5));
        await admin.GetSubscriber().PublishAsync(channel, stored);

        Assert.Equal(42, (await later).GetInt32());
        await Poll.UntilAsync(() => server.SubscriptionSubscriberCountAsync(channel), n => n == 0, "the finished wait to unsubscribe");
        Assert.Equal(0, app.PendingResults);
    }

    /// <summary>A SUCCESS result as a Celery worker stores it.</summary>
    private static string StoredSuccess(string id, int value) =>
        $$"""{"status": "SUCCESS", "result": {{value}}, "traceback": null, "children": [], "date_done": "2024-01-01T00:00:00.000000", "task_id": "{{id}}"}""";

    private static async Task<Leftovers> CountAsync(IServer server, TaskApp app)
    {
        RedisChannel[] channels = await server.SubscriptionChannelsAsync(RedisChannel.Pattern("celery-task-meta-*"));
        ClientInfo[] clients = await server.ClientListAsync();
        string name = "taskgen-" + Environment.ProcessId;
        int subscriptions = clients.Where(c => c.Name == name).Sum(c => c.SubscriptionCount);
        return new Leftovers(channels.Length, subscriptions, app.PendingResults);
    }

    private TaskApp CreateRedisApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        Redis.RedisUrl url = Redis.RedisUrl.Parse(redis.Url);
        return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, DefaultDatabase = url.Database, AllowAdmin = true });
    }

    /// <summary>What ended waits can leave behind: channels on the server, the app's subscriptions, and its waiters.</summary>
    private readonly record struct Leftovers(int Channels, int Subscriptions, int Pending);
}
