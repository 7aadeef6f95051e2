using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.Events;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A monitor's actions on a TaskGen worker process over a real broker, as Flower takes them on a Python one: each
/// command is sent with <see cref="RemoteControlClient"/> and its effect observed on the queues, results and events.
/// </summary>
public sealed class ControlCommandTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private static readonly TimeSpan ReplyWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RateLimitHoldsTheNextRunAndLiftingItLetsItRun()
    {
        string node = Node("rate");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", node, 2);
        var client = new RemoteControlClient(App);

        Assert.Equal("new rate limit set successfully", Ok(await CallAsync(client, node, "rate_limit", w => { w.WriteString("task_name", Jobs.Add.Name); w.WriteString("rate_limit", "1/h"); })));
        Assert.Equal(2, await (await App.SendAsync(Jobs.Add.Signature(1, 1))).GetAsync(Guard));
        AsyncResult<int> held = await App.SendAsync(Jobs.Add.Signature(2, 2));
        await Poll.UntilAsync(() => CallAsync(client, node, "reserved", null), r => r.EnumerateArray().Any(t => t.GetProperty("id").GetString() == held.Id), "the second run to be held by the rate limit");
        Assert.False(held.IsReady);

        Assert.Equal("rate limit disabled successfully", Ok(await CallAsync(client, node, "rate_limit", w => { w.WriteString("task_name", Jobs.Add.Name); w.WriteNull("rate_limit"); })));
        Assert.Equal(4, await held.GetAsync(Guard));
        Assert.Equal("unknown task", Error(await CallAsync(client, node, "rate_limit", w => { w.WriteString("task_name", "no.such"); w.WriteString("rate_limit", "1/s"); })));
    }

    [Fact]
    public async Task CancelConsumerLeavesMessagesWaitingAndAddConsumerTakesThem()
    {
        string node = Node("queues");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", node, 2);
        var client = new RemoteControlClient(App);

        Assert.Equal("no longer consuming from slow", Ok(await CallAsync(client, node, "cancel_consumer", w => w.WriteString("queue", "slow"))));
        Assert.Equal(["work"], QueueNames(await CallAsync(client, node, "active_queues", null)));
        await Poll.UntilAsync(() => App.Transport.InspectQueueAsync("slow", CancellationToken.None).AsTask(), q => q is { Consumers: 0 }, "the slow queue to lose its consumer");

        AsyncResult<int>[] waiting = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => App.SendAsync(Jobs.Slow.Signature(i, 10))));
        await Poll.UntilAsync(() => App.Transport.InspectQueueAsync("slow", CancellationToken.None).AsTask(), q => q is { Messages: 3 }, "the messages to wait in the queue");

        // The other queue is still served meanwhile, and nothing of slow was taken.
        Assert.Equal(5, await (await App.SendAsync(Jobs.Add.Signature(2, 3))).GetAsync(Guard));
        Assert.Equal((3u, 0u), await App.Transport.InspectQueueAsync("slow", CancellationToken.None));
        Assert.DoesNotContain(waiting, r => r.IsReady);

        Assert.Equal("add consumer slow", Ok(await CallAsync(client, node, "add_consumer", w => { w.WriteString("queue", "slow"); w.WriteString("exchange", "slow"); w.WriteString("exchange_type", "direct"); w.WriteString("routing_key", "slow"); })));
        int[] results = await Task.WhenAll(waiting.Select(r => r.GetAsync(Guard)));
        Assert.Equal([0, 1, 2], results);
        Assert.Equal(["slow", "work"], QueueNames(await CallAsync(client, node, "active_queues", null)).Order().ToArray());
        Assert.StartsWith("Queue 'nowhere' is not declared: declared queues are ", Error(await CallAsync(client, node, "add_consumer", w => w.WriteString("queue", "nowhere"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeWithTerminateEndsTheRunningTaskRevoked()
    {
        string node = Node("terminate");
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", node, 2);
        var client = new RemoteControlClient(App);

        AsyncResult<int> spinning = await App.SendAsync(Jobs.Spin.Signature(600_000));
        await Poll.UntilAsync(() => CallAsync(client, node, "active", null), a => a.EnumerateArray().Any(t => t.GetProperty("id").GetString() == spinning.Id), "the task to run");

        Assert.Equal("terminate: " + spinning.Id, Ok(await CallAsync(client, node, "revoke", w => { w.WriteString("task_id", spinning.Id); w.WriteBoolean("terminate", true); w.WriteString("signal", "SIGKILL"); })));
        await Assert.ThrowsAsync<TaskRevokedException>(() => spinning.GetAsync(Guard));
        Assert.Equal(TaskState.Revoked, spinning.Status);
        Assert.Equal(3, await (await App.SendAsync(Jobs.Add.Signature(1, 2))).GetAsync(Guard));
    }

    [Fact]
    public async Task ShutdownStopsTheWorkerWhichSaysItIsOffline()
    {
        string node = Node("shutdown");
        var offline = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ITransportConsumer events = await ListenForOfflineAsync(node, offline);
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", node, 2);
        var client = new RemoteControlClient(App);

        Assert.Equal("shutdown", Ok(await CallAsync(client, node, "shutdown", null)));
        await worker.WaitForExitAsync();
        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(node, await offline.Task.WaitAsync(Guard));
        Assert.Empty(await client.PingAsync(TimeSpan.FromSeconds(1), [node]));
    }

    private static string Node(string role) => $"{role}-{Guid.NewGuid().ToString("N")[..8]}@integration";

    private async Task<ITransportConsumer> ListenForOfflineAsync(string node, TaskCompletionSource<string> offline)
    {
        ITransport transport = App.Transport;
        await transport.DeclareExchangeAsync(new ExchangeSpecification(EventMessage.Exchange, ExchangeKind.Topic), CancellationToken.None);
        string queue = await transport.DeclareQueueAsync(new QueueSpecification("test.events." + Guid.NewGuid().ToString("N"), Durable: false, AutoDelete: true), CancellationToken.None);
        await transport.BindQueueAsync(queue, EventMessage.Exchange, "worker.#", CancellationToken.None);
        return await transport.ConsumeAsync(queue, 100, autoAck: true, delivery =>
        {
            using JsonDocument body = JsonDocument.Parse(delivery.Message.Body);
            if (body.RootElement.GetProperty("type").GetString() == "worker-offline" && body.RootElement.GetProperty("hostname").GetString() == node)
            {
                offline.TrySetResult(node);
            }

            return ValueTask.CompletedTask;
        }, CancellationToken.None);
    }

    private static string[] QueueNames(JsonElement activeQueues) => activeQueues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToArray();

    private static string Ok(JsonElement reply) => reply.TryGetProperty("ok", out JsonElement ok) ? ok.GetString()! : throw new InvalidOperationException("Not ok: " + reply);

    private static string Error(JsonElement reply) => reply.TryGetProperty("error", out JsonElement error) ? error.GetString()! : throw new InvalidOperationException("Not an error: " + reply);

    private static async Task<JsonElement> CallAsync(RemoteControlClient client, string node, string method, Action<Utf8JsonWriter>? arguments)
    {
        IReadOnlyList<ControlReply> replies = await client.CallAsync(method, arguments, ReplyWait, [node]);
        return Assert.Single(replies).Reply.Clone();
    }
}
