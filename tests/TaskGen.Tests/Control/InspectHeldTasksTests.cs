using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.Tests.EndToEnd;
using Stubs = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Control;

/// <summary>
/// <c>inspect scheduled</c> lists the tasks a worker holds for their ETA and <c>inspect reserved</c> those it has
/// received and not started, each in the shape of Celery's <c>Request.info()</c>.
/// </summary>
public sealed class InspectHeldTasksTests
{
    private const string Node = "test@unit";

    [Fact]
    public async Task ScheduledListsAnEtaTaskWithItsEtaAndRequestAndReservedListsATaskWaitingForASlot()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(concurrency: 1);
        string gate = Guid.NewGuid().ToString("N");
        DateTimeOffset eta = DateTimeOffset.UtcNow.AddHours(1);
        var client = new RemoteControlClient(env.App);

        // The ETA task first: a delivery waiting for a slot holds up the next one on its queue.
        AsyncResult<string> later = await env.App.SendAsync(Stubs.TestTasks.Greet.Signature("Ada", "Hi", new TaskOptions { Eta = eta }));
        JsonElement scheduled = default;
        await Eventually.WaitFor(() => (scheduled = Ask(client, "scheduled")).GetArrayLength() == 1, "the ETA task to be held");
        AsyncResult<string> running = await env.App.SendAsync(Stubs.TestTasks.WaitForGate.Signature(gate));
        AsyncResult<int> waiting = await env.App.SendAsync(Stubs.TestTasks.Add.Signature(2, 3));
        try
        {
            JsonElement reserved = default;
            await Eventually.WaitFor(() => (reserved = Ask(client, "reserved")).GetArrayLength() == 1, "the second task to wait for the slot");

            JsonElement held = scheduled[0];
            Assert.Equal(["eta", "priority", "request"], held.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Equal(eta.UtcDateTime, DateTimeOffset.Parse(held.GetProperty("eta").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, TimeSpan.FromMilliseconds(1));
            Assert.EndsWith("+00:00", held.GetProperty("eta").GetString(), StringComparison.Ordinal);
            Assert.Equal(6, held.GetProperty("priority").GetInt32());
            AssertInfo(held.GetProperty("request"), later.Id, "tests.greet");
            Assert.Equal("Ada", held.GetProperty("request").GetProperty("args")[0].GetString());

            AssertInfo(reserved[0], waiting.Id, Stubs.TestTasks.Add.Name);
            Assert.Equal(2, reserved[0].GetProperty("args")[0].GetInt32());
            Assert.DoesNotContain(running.Id, reserved.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            TestTasks.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        Assert.Equal(5, await waiting.GetAsync(MemoryEnvironment.Guard));
        await Eventually.WaitFor(() => Ask(client, "reserved").GetArrayLength() == 0, "the reserved list to empty once the task ran");
        Assert.Equal(1, Ask(client, "scheduled").GetArrayLength());
    }

    [Fact]
    public async Task AnIdleWorkerAnswersEmptyLists()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var client = new RemoteControlClient(env.App);

        Assert.Equal(0, Ask(client, "scheduled").GetArrayLength());
        Assert.Equal(0, Ask(client, "reserved").GetArrayLength());
    }

    private static void AssertInfo(JsonElement info, string id, string name)
    {
        Assert.Equal(
            ["id", "name", "args", "kwargs", "type", "hostname", "time_start", "acknowledged", "delivery_info", "worker_pid"],
            info.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(id, info.GetProperty("id").GetString());
        Assert.Equal(name, info.GetProperty("name").GetString());
        Assert.Equal(name, info.GetProperty("type").GetString());
        Assert.Equal(Node, info.GetProperty("hostname").GetString());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("time_start").ValueKind);
        Assert.False(info.GetProperty("acknowledged").GetBoolean());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("worker_pid").ValueKind);
        Assert.Equal(JsonValueKind.Object, info.GetProperty("kwargs").ValueKind);
        JsonElement delivery = info.GetProperty("delivery_info");
        Assert.Equal(["exchange", "routing_key", "priority", "redelivered"], delivery.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("celery", delivery.GetProperty("routing_key").GetString());
        Assert.False(delivery.GetProperty("redelivered").GetBoolean());
    }

    private static JsonElement Ask(RemoteControlClient client, string method)
    {
        IReadOnlyList<ControlReply> replies = client.CallAsync(method, null, MemoryEnvironment.Guard, [Node]).GetAwaiter().GetResult();
        return Assert.Single(replies).Reply.Clone();
    }
}
