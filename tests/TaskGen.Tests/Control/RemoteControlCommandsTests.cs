using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using Stubs = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Control;

/// <summary>
/// The commands that change a running worker, with Celery's method names, argument names and replies:
/// <c>rate_limit</c>, <c>time_limit</c>, <c>add_consumer</c>, <c>cancel_consumer</c>, <c>revoke</c> with
/// <c>terminate</c>, <c>shutdown</c> and <c>conf</c>.
/// </summary>
public sealed class RemoteControlCommandsTests
{
    private const string Node = "test@unit";

    [Fact]
    public async Task RateLimitHoldsTheNextRunUntilTheLimitIsLiftedAndRefusesWhatCeleryRefuses()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(concurrency: 2);
        var client = new RemoteControlClient(env.App);

        Assert.Equal("unknown task", Error(await CallAsync(client, "rate_limit", w => { w.WriteString("task_name", "no.such.task"); w.WriteString("rate_limit", "1/m"); })));
        Assert.StartsWith("Invalid rate limit string: ", Error(await CallAsync(client, "rate_limit", w => { w.WriteString("task_name", Stubs.TestTasks.Add.Name); w.WriteString("rate_limit", "fast"); })), StringComparison.Ordinal);

        Assert.Equal("new rate limit set successfully", Ok(await CallAsync(client, "rate_limit", w => { w.WriteString("task_name", Stubs.TestTasks.Add.Name); w.WriteString("rate_limit", "1/h"); })));

        // The bucket starts full: one run now, the next held an hour, listed as reserved.
        Assert.Equal(3, await (await env.App.SendAsync(Stubs.TestTasks.Add.Signature(1, 2))).GetAsync(MemoryEnvironment.Guard));
        AsyncResult<int> held = await env.App.SendAsync(Stubs.TestTasks.Add.Signature(2, 2));
        await Eventually.WaitFor(() => Ask(client, "reserved").EnumerateArray().Any(r => r.GetProperty("id").GetString() == held.Id), "the second run to be held by the rate limit");
        Assert.False(held.IsReady);

        // Celery's "no limit": an empty (or zero) rate; the held run moves to the new bucket and starts.
        Assert.Equal("rate limit disabled successfully", Ok(await CallAsync(client, "rate_limit", w => { w.WriteString("task_name", Stubs.TestTasks.Add.Name); w.WriteNumber("rate_limit", 0); })));
        Assert.Equal(4, await held.GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task RateLimitFromTheCommandLineAsANumberIsPerSecond()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        Assert.Equal("new rate limit set successfully", Ok(await CallAsync(client, "rate_limit", w => { w.WriteString("task_name", "tests.greet"); w.WriteNumber("rate_limit", 100); })));
        Assert.Equal("Hello, Ada!", await (await env.App.SendAsync(Stubs.TestTasks.Greet.Signature("Ada"))).GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task TimeLimitAppliesToRunsWhoseMessageSetsNone()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        Assert.Equal("unknown task", Error(await CallAsync(client, "time_limit", w => { w.WriteString("task_name", "no.such.task"); w.WriteNumber("soft", 1); })));
        Assert.Equal("time limits set successfully", Ok(await CallAsync(client, "time_limit", w =>
        {
            w.WriteString("task_name", Stubs.TestTasks.WaitForCancellation.Name);
            w.WriteNumber("soft", 0.05);
            w.WriteNull("hard");
        })));

        AsyncResult<string> run = await env.App.SendAsync(Stubs.TestTasks.WaitForCancellation.Signature(Guid.NewGuid().ToString("N")));
        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => run.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal("SoftTimeLimitExceeded", failed.RemoteType);

        // Cleared again: a task that ends by itself is not cut off.
        Assert.Equal("time limits set successfully", Ok(await CallAsync(client, "time_limit", w => w.WriteString("task_name", Stubs.TestTasks.WaitForCancellation.Name))));
        Assert.Equal(5, await (await env.App.SendAsync(Stubs.TestTasks.Add.Signature(2, 3))).GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task AddConsumerConsumesADeclaredQueueAndCancelConsumerStopsDeliveriesWhileMessagesWait()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        AsyncResult<int> first = await env.App.SendAsync(Stubs.TestTasks.Slow.Signature(1));
        Assert.Equal(["celery"], QueueNames(Ask(client, "active_queues")));

        Assert.Equal("add consumer slow", Ok(await CallAsync(client, "add_consumer", w => { w.WriteString("queue", "slow"); w.WriteString("exchange", "slow"); w.WriteString("exchange_type", "direct"); w.WriteString("routing_key", "slow"); })));
        Assert.Equal(1, await first.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(["celery", "slow"], QueueNames(Ask(client, "active_queues")));
        Assert.Equal(["celery", "slow"], env.Worker!.Queues.ToArray());

        Assert.Equal("no longer consuming from slow", Ok(await CallAsync(client, "cancel_consumer", w => w.WriteString("queue", "slow"))));
        Assert.Equal(["celery"], QueueNames(Ask(client, "active_queues")));
        await Eventually.WaitFor(() => Inspect(env, "slow") is { Consumers: 0 }, "the queue to lose its consumer");
        AsyncResult<int> waiting = await env.App.SendAsync(Stubs.TestTasks.Slow.Signature(2));
        Assert.Equal((1u, 0u), Inspect(env, "slow"));
        Assert.False(waiting.IsReady);

        Assert.Equal("add consumer slow", Ok(await CallAsync(client, "add_consumer", w => w.WriteString("queue", "slow"))));
        Assert.Equal(2, await waiting.GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task AddConsumerOfAnUndeclaredQueueAnswersAnErrorNamingTheDeclaredOnes()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        string error = Error(await CallAsync(client, "add_consumer", w => w.WriteString("queue", "nowhere")));
        Assert.StartsWith("Queue 'nowhere' is not declared: declared queues are ", error, StringComparison.Ordinal);
        Assert.Contains("slow", error, StringComparison.Ordinal);
        Assert.Contains("celery", error, StringComparison.Ordinal);
        Assert.Equal(["celery"], QueueNames(Ask(client, "active_queues")));
        Assert.Null(Inspect(env, "nowhere"));
    }

    [Fact]
    public async Task ATaskHeldFromACancelledQueueFinishesAndIsSettled()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        string gate = Guid.NewGuid().ToString("N");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForGate.Signature(gate));
        await TestTasks.Recorded.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);

        Assert.Equal("no longer consuming from celery", Ok(await CallAsync(client, "cancel_consumer", w => w.WriteString("queue", "celery"))));
        TestTasks.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        Assert.Equal(gate, await running.GetAsync(MemoryEnvironment.Guard));

        // Acknowledged on its own consumer before that consumer closed: nothing is waiting or unacknowledged.
        await Eventually.WaitFor(() => env.Broker.FindQueue("celery") is { Messages.Reader.Count: 0 }, "the queue to be empty");
        Assert.Empty(Ask(client, "active_queues").EnumerateArray());
    }

    [Fact]
    public async Task RevokeWithTerminateCancelsTheRunningTaskWhichEndsRevoked()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        string key = Guid.NewGuid().ToString("N");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForCancellation.Signature(key));
        await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);

        Assert.Equal("terminate: tasks unknown", Ok(await CallAsync(client, "revoke", w => { w.WriteString("task_id", Guid.NewGuid().ToString()); w.WriteBoolean("terminate", true); w.WriteString("signal", "SIGTERM"); })));
        Assert.Equal($"terminate: {running.Id}", Ok(await CallAsync(client, "revoke", w => { w.WriteStartArray("task_id"); w.WriteStringValue(running.Id); w.WriteEndArray(); w.WriteBoolean("terminate", true); })));

        await Assert.ThrowsAsync<TaskRevokedException>(() => running.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(TaskState.Revoked, running.Status);
        Assert.Empty(Ask(client, "active").EnumerateArray());

        // The worker goes on: the next task runs.
        Assert.Equal(7, await (await env.App.SendAsync(Stubs.TestTasks.Add.Signature(3, 4))).GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task CelerysTerminateShorthandTerminatesAsRevokeWithTerminate()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        string key = Guid.NewGuid().ToString("N");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForCancellation.Signature(key));
        await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);

        Assert.Equal($"terminate: {running.Id}", Ok(await CallAsync(client, "terminate", w => { w.WriteString("signal", "SIGTERM"); w.WriteString("task_id", running.Id); })));
        await Assert.ThrowsAsync<TaskRevokedException>(() => running.GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task ArgumentsOfTheWrongShapeAreAnsweredWithAnError()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        Assert.StartsWith("ArgumentException: ", Error(await CallAsync(client, "add_consumer", null)), StringComparison.Ordinal);
        Assert.StartsWith("FormatException: ", Error(await CallAsync(client, "time_limit", w => { w.WriteString("task_name", Stubs.TestTasks.Add.Name); w.WriteStartArray("soft"); w.WriteEndArray(); })), StringComparison.Ordinal);
        Assert.Equal("pong", Ok(await CallAsync(client, "ping", null)));
    }

    [Fact]
    public async Task RevokeWithoutTerminateLeavesTheRunningTaskAlone()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        string gate = Guid.NewGuid().ToString("N");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForGate.Signature(gate));
        await TestTasks.Recorded.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);

        Assert.Equal($"tasks {running.Id} flagged as revoked", Ok(await CallAsync(client, "revoke", w => w.WriteString("task_id", running.Id))));
        TestTasks.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Assert.Equal(gate, await running.GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task ShutdownAnswersThenStopsTheWorkerAfterItsRunningTaskFinishes()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        string gate = Guid.NewGuid().ToString("N");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForGate.Signature(gate));
        await TestTasks.Recorded.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);

        Assert.Equal("shutdown", Ok(await CallAsync(client, "shutdown", null)));
        await env.Worker!.ShutdownRequested.WaitAsync(MemoryEnvironment.Guard);
        await Eventually.WaitFor(() => !env.Worker.IsConsuming, "the worker to stop consuming");

        // Warm: the running task finishes and is answered; what waits in the queue stays there.
        AsyncResult<int> later = await env.App.SendAsync(Stubs.TestTasks.Add.Signature(1, 1));
        TestTasks.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Assert.Equal(gate, await running.GetAsync(MemoryEnvironment.Guard));
        await env.Worker.StopAsync().WaitAsync(MemoryEnvironment.Guard);
        Assert.False(later.IsReady);
        Assert.Equal(1u, Inspect(env, "celery")?.Messages);
        Assert.Empty(await client.PingAsync(TimeSpan.FromMilliseconds(200), [Node]));
    }

    [Fact]
    public async Task ConfListsSettingsByCeleryNamesWithoutPasswords()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
        {
            b.Options.TaskRoutes["tests.greet"] = "slow";
        });
        var client = new RemoteControlClient(env.App);

        JsonElement conf = await CallAsync(client, "conf", null);
        Assert.StartsWith("memory://", conf.GetProperty("broker_url").GetString(), StringComparison.Ordinal);
        Assert.Equal("rpc://", conf.GetProperty("result_backend").GetString());
        Assert.Equal("celery", conf.GetProperty("task_default_queue").GetString());
        Assert.True(conf.GetProperty("task_acks_late").GetBoolean());
        Assert.Equal(4, conf.GetProperty("worker_prefetch_multiplier").GetInt32());
        Assert.Equal("slow", conf.GetProperty("task_routes").GetProperty("tests.greet").GetProperty("queue").GetString());
        Assert.Equal(["json"], conf.GetProperty("accept_content").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public async Task RevokedListsTheIdsTheWorkerHoldsAsRevoked()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);
        Assert.Empty((await CallAsync(client, "revoked", null)).EnumerateArray());

        await CallAsync(client, "revoke", w => w.WriteString("task_id", "gone-1"));

        Assert.Equal(["gone-1"], (await CallAsync(client, "revoked", null)).EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public void ConfRedactsTheBrokerAndBackendPasswords()
    {
        // The same redaction every other surface uses, checked on URLs conf would show.
        Assert.Equal("amqp://guest:***@broker:5672/", BrokerUrls.Redact("amqp://guest:s3cret@broker:5672/"));
        Assert.Equal("redis://:***@cache:6379/0", BrokerUrls.Redact("redis://:s3cret@cache:6379/0"));
    }

    [Theory]
    [InlineData("amqp://guest:s3cret@broker:5672//", "redis://:s3cret@cache:6379/0")]
    [InlineData("amqp://guest:s3cret@broker-a//;amqp://guest:s3cret@broker-b//", "redis://worker:s3cret@cache/1")]
    [InlineData("amqps://guest:s3cr/et@broker//", "rediss://:s3cret@cache:6380/0")]
    public void ConfShowsPasswordProtectedUrlsWithoutTheirPasswords(string brokerUrl, string resultBackend)
    {
        var options = new TaskAppOptions { BrokerUrl = brokerUrl, ResultBackend = resultBackend };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            RemoteControlServer.WriteConf(writer, options, concurrency: 4);
        }

        string json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.DoesNotContain("s3cr", json, StringComparison.Ordinal);
        using JsonDocument conf = JsonDocument.Parse(json);
        Assert.Contains(":***@broker", conf.RootElement.GetProperty("broker_url").GetString(), StringComparison.Ordinal);
        Assert.Contains(":***@cache", conf.RootElement.GetProperty("result_backend").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, conf.RootElement.GetProperty("worker_concurrency").GetInt32());
    }

    private static (uint Messages, uint Consumers)? Inspect(MemoryEnvironment env, string queue) =>
        env.App.Transport.InspectQueueAsync(queue, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private static string[] QueueNames(JsonElement activeQueues) =>
        activeQueues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToArray();

    private static string Ok(JsonElement reply) => Assert.Single(reply.EnumerateObject(), p => p.Name == "ok").Value.GetString()!;

    private static string Error(JsonElement reply) => Assert.Single(reply.EnumerateObject(), p => p.Name == "error").Value.GetString()!;

    private static async Task<JsonElement> CallAsync(RemoteControlClient client, string method, Action<Utf8JsonWriter>? arguments)
    {
        IReadOnlyList<ControlReply> replies = await client.CallAsync(method, arguments, MemoryEnvironment.Guard, [Node]);
        ControlReply reply = Assert.Single(replies);
        Assert.Equal(Node, reply.Node);
        return reply.Reply.Clone();
    }

    private static JsonElement Ask(RemoteControlClient client, string method) => CallAsync(client, method, null).GetAwaiter().GetResult();
}
