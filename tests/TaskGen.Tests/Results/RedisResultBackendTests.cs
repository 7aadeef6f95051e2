using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Protocol;
using TaskGen.Redis;
using TaskGen.Results;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.Results;

/// <summary>The redis:// backend's settings, key layout and choices that need no Redis server.</summary>
public sealed class RedisResultBackendTests
{
    [Theory]
    [InlineData("redis://localhost", "localhost", 6379, 0, null, null, false)]
    [InlineData("redis://127.0.0.1:6380/3", "127.0.0.1", 6380, 3, null, null, false)]
    [InlineData("redis://:s3cret@cache:7000/1", "cache", 7000, 1, null, "s3cret", false)]
    [InlineData("redis://worker:p%40ss@cache/2", "cache", 6379, 2, "worker", "p@ss", false)]
    [InlineData("rediss://:pw@cache:6390/0", "cache", 6390, 0, null, "pw", true)]
    public void CelerysUrlFormIsParsed(string url, string host, int port, int database, string? user, string? password, bool tls)
    {
        RedisUrl parsed = RedisUrl.Parse(url);

        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(database, parsed.Database);
        Assert.Equal(user, parsed.User);
        Assert.Equal(password, parsed.Password);
        Assert.Equal(tls, parsed.Tls);
    }

    [Fact]
    public void CelerysSentinelListIsParsedIntoEverySentinel()
    {
        RedisUrl parsed = RedisUrl.Parse("sentinel://:s3cret@10.0.0.1:26380/2;sentinel://:s3cret@10.0.0.2/2; sentinel://:s3cret@sentinel-c:26390/2");

        Assert.True(parsed.IsSentinel);
        Assert.Equal(["10.0.0.1:26380", "10.0.0.2:26379", "sentinel-c:26390"], parsed.Endpoints.Select(e => $"{e.Host}:{e.Port}"));
        Assert.Equal(2, parsed.Database);
        Assert.Equal("s3cret", parsed.Password);
        Assert.Equal("sentinel://:***@10.0.0.1:26380/2;sentinel://:***@10.0.0.2/2;sentinel://:***@sentinel-c:26390/2", parsed.Redacted);
        Assert.False(RedisUrl.Parse("redis://cache:6379/0").IsSentinel);
    }

    [Theory]
    [InlineData("sentinel://:s3cret@a:26379/0;sentinel://:other@b:26379/0")]
    [InlineData("sentinel://:s3cret@a:26379/0;sentinel://:s3cret@b:26379/1")]
    [InlineData("sentinel://:s3cret@a:26379/0;redis://:s3cret@b:6379/0")]
    [InlineData("redis://:s3cret@a:6379/0;redis://:s3cret@b:6379/0")]
    public void ASentinelListThatDisagreesWithItselfIsRefusedWithoutShowingThePassword(string url)
    {
        var options = new TaskAppOptions { ResultBackend = url, ResultBackendMasterName = "results" };

        TaskAppConfigurationException refused = BuildRefused(options);

        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASentinelUrlWithoutAMasterNameIsRefusedWithWhatToSet()
    {
        var options = new TaskAppOptions { ResultBackend = "sentinel://:s3cret@a:26379/0;sentinel://:s3cret@b:26379/0" };

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(options.Validate);

        Assert.Contains("ResultBackendMasterName", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
        Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = options.ResultBackend, ResultBackendMasterName = "results" }.Validate));
    }

    [Theory]
    [InlineData("redis://:s3cret@cache:7000/1", "redis://:***@cache:7000/1")]
    [InlineData("redis://worker:s3cret@cache/2", "redis://worker:***@cache/2")]
    [InlineData("redis://cache:6379/0", "redis://cache:6379/0")]
    public void TheUrlIsShownWithoutItsPassword(string url, string shown)
    {
        RedisUrl parsed = RedisUrl.Parse(url);

        Assert.Equal(shown, parsed.Redacted);
        Assert.Equal(shown, parsed.ToString());
    }

    [Theory]
    [InlineData("redis://:s3cret@cache:6379/db")]
    [InlineData("redis://:s3cret@cache:6379/0?socket_timeout=5")]
    [InlineData("redis://:s3cret@cache:6379/99999")]
    [InlineData("redis://:s3cret@:6379/0")]
    public void AnUnusableUrlIsRefusedWithoutShowingThePassword(string url)
    {
        var options = new TaskAppOptions { ResultBackend = url };

        TaskAppConfigurationException refused = BuildRefused(options);

        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ResultBackend", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://localhost:6379/0")]
    [InlineData("redis://:pw@127.0.0.1:6379/5")]
    [InlineData("rpc://")]
    [InlineData("none")]
    public void ValidateAcceptsTheSupportedBackends(string url) => Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = url }.Validate));

    [Fact]
    public void AnUnsupportedBackendIsRefusedWithoutShowingItsPassword()
    {
        var options = new TaskAppOptions { ResultBackend = "mongodb://admin:s3cret@db:27017/results" };

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(options.Validate);

        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
        Assert.Contains("redis://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysAndChannelsAreNamedAsCeleryNamesThem()
    {
        Assert.Equal("celery-task-meta-abc", (string?)RedisResultConnection.Key("abc"));
        Assert.Equal("celery-task-meta-abc", RedisResultConnection.Channel("abc").ToString());
    }

    [Fact]
    public void TheStoredValueHasCelerysMembers()
    {
        byte[] stored = ResultCodec.Encode("abc", TaskState.Success, "42"u8);

        using JsonDocument document = JsonDocument.Parse(stored);
        JsonElement root = document.RootElement;
        // Celery reads the members by name; the result comes first so that a success's value is written in place.
        Assert.Equal(["result", "task_id", "status", "traceback", "children", "date_done"], [.. EnumerateNames(root)]);
        Assert.Equal("SUCCESS", root.GetProperty("status").GetString());
        Assert.Equal(42, root.GetProperty("result").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("traceback").ValueKind);
        Assert.Equal(0, root.GetProperty("children").GetArrayLength());
        Assert.True(DateTime.TryParse(root.GetProperty("date_done").GetString(), out _));
    }

    [Fact]
    public void AWorkerOnADurableBackendAnswersTasksWithoutReplyTo()
    {
        var durable = new TaskAnswers("w@h", new FakeStore(storesById: true), NullLogger.Instance);
        var rpc = new TaskAnswers("w@h", new FakeStore(storesById: false), NullLogger.Instance);

        Assert.Equal(string.Empty, durable.ResultAddress(null));
        Assert.Equal("reply", durable.ResultAddress("reply"));
        Assert.Null(rpc.ResultAddress(null));
        Assert.Null(rpc.ResultAddress(string.Empty));
        Assert.Equal("reply", rpc.ResultAddress("reply"));
    }

    [Fact]
    public async Task ReadingByIdOnRpcSaysADurableBackendIsNeeded()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.ResultBackend = "rpc://");

        NotSupportedException refused = Assert.Throws<NotSupportedException>(() => app.GetResult(Guid.NewGuid().ToString()));

        Assert.Contains("durable backend", refused.Message, StringComparison.Ordinal);
        Assert.Contains("redis://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAppOnRedisSendsTasksWithoutReplyTo()
    {
        // Nothing listens on port 1: the app must still build and send, since Redis is dialled on first use only.
        await using EndToEnd.MemoryEnvironment env = await EndToEnd.MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.AddRedisResults().Options.ResultBackend = "redis://127.0.0.1:1/0");
        AsyncResult<int> sent = await env.App.SendAsync(EndToEnd.Remote.TestTasks.Add.Signature(1, 2), CancellationToken.None);
        var received = new TaskCompletionSource<TaskGen.Transport.Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);

        await using TaskGen.Transport.ITransportConsumer consumer = await env.App.Transport.ConsumeAsync("celery", 1, true, d => { received.TrySetResult(d); return ValueTask.CompletedTask; }, CancellationToken.None);
        TaskGen.Transport.Delivery delivery = await received.Task.WaitAsync(EndToEnd.MemoryEnvironment.Guard);

        Assert.Equal(sent.Id, delivery.Message.Properties.CorrelationId);
        Assert.True(string.IsNullOrEmpty(delivery.Message.Properties.ReplyTo));
    }

    [Fact]
    public async Task ABroadcastsReplyIsStoredAsTheWorkersOwnAndOtherResultsAreNot()
    {
        var store = new FakeStore(storesById: true);
        var worker = new TaskAnswers("w@h", store, NullLogger.Instance);

        Assert.True(await worker.AnswerAsync("b", string.Empty, TaskState.Success, "1"u8.ToArray(), null, broadcast: true));
        Assert.True(await worker.AnswerAsync("t", string.Empty, TaskState.Success, "1"u8.ToArray(), null));
        await worker.NotifyAsync("r", string.Empty, TaskState.Retry, "1"u8.ToArray(), null);

        Assert.Equal(["b:w@h", "t:", "r:"], store.Stored.ToArray());
    }

    [Fact]
    public async Task ReadingABroadcastByIdOnRpcSaysADurableBackendIsNeeded()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.ResultBackend = "rpc://");

        NotSupportedException refused = Assert.Throws<NotSupportedException>(() => app.GetBroadcastResult(Guid.NewGuid().ToString()));

        Assert.Contains("redis://", refused.Message, StringComparison.Ordinal);
    }

    private static System.Collections.Generic.IEnumerable<string> EnumerateNames(JsonElement element)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            yield return property.Name;
        }
    }

    private sealed class FakeStore(bool storesById) : IResultStore
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Stored { get; } = new();

        public bool StoresById => storesById;

        public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken)
        {
            Stored.Enqueue($"{taskId}:{broadcastNode}");
            return ValueTask.CompletedTask;
        }
    }

    // The Redis URL is the TaskGen.Redis package's to parse, so its refusals come when an app that registered it is built.
    private static TaskAppConfigurationException BuildRefused(TaskAppOptions options) =>
        Assert.Throws<TaskAppConfigurationException>(() => new TaskAppBuilder(options).AddRedisResults().Build());
}
