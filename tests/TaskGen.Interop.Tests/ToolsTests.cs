using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;
using Py = TaskGen.Interop.Tests.Remote.PythonTasks;

namespace TaskGen.Interop.Tests;

/// <summary>Celery's own tools and TaskGen's see each other's workers; Celery's event receiver sees TaskGen's events.</summary>
public sealed class ToolsTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task CeleryStatusAndInspectListTheTaskGenWorkerBesideAPythonWorker(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "pyinspect@%h");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", "netinspect@%h");
        string host = Environment.MachineName;

        (int code, string status) = await Python.CeleryAsync(celery, Broker.Url, "status");
        Assert.True(code == 0, status);
        Assert.Contains($"netinspect@{host}: OK", status, StringComparison.Ordinal);
        Assert.Contains($"pyinspect@{host}: OK", status, StringComparison.Ordinal);
        Assert.Contains("2 nodes online.", status, StringComparison.Ordinal);

        (code, string ping) = await Python.CeleryAsync(celery, Broker.Url, "inspect", "ping");
        Assert.True(code == 0, ping);
        Assert.Contains("pong", ping, StringComparison.Ordinal);

        (code, string registered) = await Python.CeleryAsync(celery, Broker.Url, "inspect", "registered");
        Assert.True(code == 0, registered);
        Assert.Contains(Jobs.Add.Name, registered, StringComparison.Ordinal);
        Assert.Contains("tasks.add", registered, StringComparison.Ordinal);

        AsyncResult<int> running = App.Send(Jobs.Slow.Signature(3, 4000));
        string active = string.Empty;
        for (int attempt = 0; attempt < 40 && !active.Contains(running.Id, StringComparison.Ordinal); attempt++)
        {
            (code, active) = await Python.CeleryAsync(celery, Broker.Url, "inspect", "active", "--json");
        }

        Assert.Contains(running.Id, active, StringComparison.Ordinal);
        using (JsonDocument parsed = JsonDocument.Parse(active.Split('\n').Last(l => l.StartsWith('{'))))
        {
            JsonElement task = parsed.RootElement.GetProperty($"netinspect@{host}")[0];
            Assert.Equal(Jobs.Slow.Name, task.GetProperty("name").GetString());
            Assert.Equal(3, task.GetProperty("args")[0].GetInt32());
        }

        (code, string stats) = await Python.CeleryAsync(celery, Broker.Url, "inspect", "stats", "--json");
        Assert.True(code == 0, stats);
        using (JsonDocument parsed = JsonDocument.Parse(stats.Split('\n').Last(l => l.StartsWith('{'))))
        {
            JsonElement ours = parsed.RootElement.GetProperty($"netinspect@{host}");
            Assert.True(ours.TryGetProperty("total", out _));
            Assert.Equal("127.0.0.1", ours.GetProperty("broker").GetProperty("hostname").GetString());
            Assert.True(parsed.RootElement.TryGetProperty($"pyinspect@{host}", out _));
        }

        Assert.Equal(3, await running.GetAsync(Guard));
    }

    [CeleryTheory]
    public async Task TaskGenStatusAndInspectListThePythonWorker(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "pyseen@%h");
        string node = $"pyseen@{Environment.MachineName}";

        (int code, string status) = await ProgramProcess.RunAsync(WorkerProgram, "status", "--broker", Broker.Url);
        Assert.True(code == 0, status);
        Assert.Contains($"-> {node}: OK", status, StringComparison.Ordinal);

        (code, string registered) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "registered", "--broker", Broker.Url);
        Assert.True(code == 0, registered);
        Assert.Contains("tasks.greet", registered, StringComparison.Ordinal);

        (code, string stats) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "stats", "--broker", Broker.Url);
        Assert.True(code == 0, stats);
        Assert.Contains(node, stats, StringComparison.Ordinal);
        Assert.Contains("\"total\"", stats, StringComparison.Ordinal);
    }

    [CeleryTheory]
    public async Task CeleryEventReceiverSeesTaskGenWorkerAndTaskEvents(string celery)
    {
        int before = await EventQueuesAsync();
        string[] scenario = ["events", "30", "evented@"];
        await using ProgramProcess receiver = Python.StartScenario(celery, Broker.Url, scenario);

        // worker-online goes out once, as the worker starts: start it only when the receiver's queue is bound.
        await Poll.UntilAsync(EventQueuesAsync, n => n > before, "the Python event receiver to bind its queue");

        await using (ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "evented@%h", 2, (System.Collections.Generic.IReadOnlyDictionary<string, string>?)null, "-E"))
        {
            Assert.Equal(12, await App.Send(Jobs.Add.Signature(5, 7)).GetAsync(Guard));

            // Kept up until the receiver has its first heartbeat (every 2 s) and the task's events; stopping it then sends worker-offline.
            await receiver.WaitForLineAsync(line => line == "seen worker-heartbeat", "the receiver to see a heartbeat");
            await receiver.WaitForLineAsync(line => line == "seen task-succeeded", "the receiver to see task-succeeded");
        }

        JsonElement seen = await Python.ResultAsync(receiver, scenario);
        string[] types = seen.GetProperty("types").EnumerateArray().Select(t => t.GetString()!).ToArray();
        Assert.Contains("worker-online", types);
        Assert.Contains("worker-heartbeat", types);
        Assert.Contains("worker-offline", types);
        Assert.Contains("task-received", types);
        Assert.Contains("task-started", types);
        Assert.Contains("task-succeeded", types);
        Assert.Equal("TaskGen", seen.GetProperty("heartbeat").GetProperty("sw_ident").GetString());
        Assert.Equal(2.0, seen.GetProperty("heartbeat").GetProperty("freq").GetDouble());
        Assert.Contains("12", seen.GetProperty("succeeded").EnumerateArray().Select(r => r.GetString()));
    }

    [CeleryTheory]
    public async Task CeleryEventReceiverSeesTheTaskSentOfEachTaskGenGroupMemberWithItsGroup(string celery)
    {
        await using TaskApp producer = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.TaskSendSentEvent = true;
            b.AddTaskGenInteropTestsTasks();
        });
        int before = await EventQueuesAsync();

        // The producer's own node name, as its events carry it, so that no other process's events are counted.
        string[] scenario = ["events", "20", producer.Origin];
        await using ProgramProcess receiver = Python.StartScenario(celery, Broker.Url, scenario);
        await Poll.UntilAsync(EventQueuesAsync, n => n > before, "the Python event receiver to bind its queue");

        // No worker is needed: task-sent is the producer's; the members wait in their queue, which the next test empties.
        GroupResult<int> group = await producer.SendAsync(TaskGroup.Of(Py.Add.Signature(1, 2), Py.Add.Signature(3, 4)));
        await receiver.WaitForLineAsync(line => line == "seen task-sent", "the receiver to see task-sent");

        JsonElement seen = await Python.ResultAsync(receiver, scenario);
        JsonElement[] sent = seen.GetProperty("sent").EnumerateArray().ToArray();
        Assert.Equal(group.Results.Select(r => r.Id).Order(StringComparer.Ordinal), sent.Select(e => e.GetProperty("uuid").GetString()!).Order(StringComparer.Ordinal));
        for (int i = 0; i < group.Results.Count; i++)
        {
            JsonElement member = sent.Single(e => e.GetProperty("uuid").GetString() == group.Results[i].Id);
            Assert.Equal(group.Id, member.GetProperty("group").GetString());
            Assert.Equal(i, member.GetProperty("group_index").GetInt32());
            Assert.Equal(Py.Add.Name, member.GetProperty("name").GetString());
            Assert.Equal(group.Results[i].Id, member.GetProperty("root_id").GetString());
            Assert.Equal("py", member.GetProperty("queue").GetString());
            Assert.Equal("py", member.GetProperty("routing_key").GetString());
            Assert.Equal(0, member.GetProperty("retries").GetInt32());
        }
    }

    private async Task<int> EventQueuesAsync() =>
        (await Broker.CtlAsync("list_queues", "name")).Split('\n').Count(line => line.StartsWith("celeryev.", StringComparison.Ordinal));
}
