using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Quorum task queues on a real broker (<c>TaskDefaultQueueType=quorum</c>), and RabbitMQ 4 readiness: every queue
/// TaskGen declares, for tasks, results, broadcasts and remote control, is durable or exclusive.
/// </summary>
public sealed class QuorumQueueTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task AWorkerOnAQuorumQueueRunsTasksAndEtaTasks()
    {
        const string Queue = "quorum_work";
        await using TaskApp app = await QuorumAppAsync(Queue);
        await using ProgramProcess worker = await StartQuorumWorkerAsync(Queue, "quorum@%h", concurrency: 2);

        AsyncResult<int> eta = await app.SendAsync(Jobs.Add.Signature(20, 1, new TaskOptions { Queue = Queue, Countdown = TimeSpan.FromSeconds(2) }));
        Assert.Equal(3, await app.Send(Jobs.Add.Signature(1, 2, new TaskOptions { Queue = Queue })).GetAsync(Guard));
        Assert.Equal(21, await eta.GetAsync(Guard));

        QueueRow row = Assert.Single(await ListQueuesAsync(), q => q.Name == Queue);
        Assert.True(row is { Durable: true, AutoDelete: false, Exclusive: false }, row.ToString());
        Assert.Equal(QuorumArguments, row.Arguments);
    }

    [Fact]
    public async Task ATaskDueNowRunsBehindMoreFarOffEtaTasksThanThePrefetchWindowHoldsOnAQuorumQueue()
    {
        // EtaFaultTests' starvation scenario, on a quorum queue: concurrency 2 gives a window of 8, which twelve
        // far-off ETA tasks fill one and a half times over.
        const string Queue = "quorum_eta";
        await using TaskApp app = await QuorumAppAsync(Queue);
        try
        {
            await using ProgramProcess worker = await StartQuorumWorkerAsync(Queue, "quorum-eta@%h", concurrency: 2);
            for (int i = 0; i < 12; i++)
            {
                await app.SendAsync(Jobs.Add.Signature(i, 0, new TaskOptions { Queue = Queue, Countdown = TimeSpan.FromSeconds(600), IgnoreResult = true }));
            }

            Assert.Equal(3, await app.Send(Jobs.Add.Signature(1, 2, new TaskOptions { Queue = Queue })).GetAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            // The far-off tasks go back to the durable queue when the worker stops; the next run starts without them.
            await app.Transport.PurgeAsync(Queue, CancellationToken.None);
        }
    }

    [Fact]
    public async Task AnEtaTaskAndARetryOnAQuorumQueueWaitInTheBrokerNotInTheWorker()
    {
        const string Queue = "quorum_delayed";
        await using TaskApp app = await QuorumAppAsync(Queue);
        await using ProgramProcess worker = await StartQuorumWorkerAsync(Queue, "delayed@%h", concurrency: 2);

        // Due in 3 s: the message sits in the delay levels (bits 1 and 0 of its countdown), not with the worker.
        DateTimeOffset sent = DateTimeOffset.UtcNow;
        AsyncResult<int> eta = await app.SendAsync(Jobs.Add.Signature(40, 2, new TaskOptions { Queue = Queue, Countdown = TimeSpan.FromSeconds(3) }));
        int delayed = await Poll.UntilAsync(DelayedMessagesAsync, n => n > 0 || eta.IsReady, "the ETA task to wait in a delay level", TimeSpan.FromMilliseconds(20));
        Assert.True(delayed > 0, "The ETA task never waited in a delay level.");
        Assert.Equal(0u, (await app.Transport.InspectQueueAsync(Queue, CancellationToken.None))?.Messages);
        Assert.Equal(42, await eta.GetAsync(Guard));
        Assert.True(DateTimeOffset.UtcNow - sent >= TimeSpan.FromSeconds(2.9), "The ETA task ran before it was due.");

        // FlakyLater retries after 4 s: the retry goes through the levels too, and the caller gets its value.
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "taskgen-quorum-retry-" + Guid.NewGuid().ToString("N"));
        try
        {
            AsyncResult<int> retried = await app.SendAsync(Jobs.FlakyLater.Signature(path, 1, new TaskOptions { Queue = Queue }));
            await Poll.UntilAsync(() => Task.FromResult(retried.Status), status => status == TaskState.Retry, "the first run to be retried", TimeSpan.FromMilliseconds(20));
            Assert.True(await DelayedMessagesAsync() > 0, "The retry, due in 4 s, is not in a delay level.");
            Assert.Equal(1, await retried.GetAsync(Guard));
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task EveryQueueAProducerAWorkerAndRemoteControlDeclareIsDurableOrExclusive()
    {
        const string Queue = "quorum_ready";
        await using TaskApp app = await QuorumAppAsync(Queue);
        await using ProgramProcess worker = await StartQuorumWorkerAsync(Queue + ",fleet", "ready@%h", concurrency: 2, "-E");
        string node = $"ready@{Environment.MachineName}";

        Assert.Equal(5, await app.Send(Jobs.Add.Signature(2, 3, new TaskOptions { Queue = Queue })).GetAsync(Guard));
        BroadcastResult<string> broadcast = await app.BroadcastAsync(Jobs.Hello.Signature("ready?"));
        Assert.Equal($"ready? from {node}", (await broadcast.GetAsync(Guard, expectedCount: 1))[node]);

        (int code, string status) = await ProgramProcess.RunAsync(WorkerProgram, "status", "--broker", Broker.Url);
        Assert.True(code == 0, status);
        Assert.Contains(node, status, StringComparison.Ordinal);
        (code, string ping) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "ping", "--broker", Broker.Url);
        Assert.True(code == 0, ping);
        Assert.Contains($"-> {node}: OK", ping, StringComparison.Ordinal);

        // A control client's reply queue lives only while it waits: list the queues while a ping waits out its timeout.
        Task<IReadOnlyList<ControlReply>> waiting = new RemoteControlClient(app.Transport).PingAsync(TimeSpan.FromSeconds(6));
        IReadOnlyList<QueueRow> queues = await Poll.UntilAsync(
            ListQueuesAsync, rows => rows.Any(q => q.Name.EndsWith(".reply.celery.pidbox", StringComparison.Ordinal)), "the control client's reply queue to exist");
        Assert.Contains(await waiting, r => r.Node == node);

        string listing = string.Join("\n", queues);
        Console.WriteLine(listing);
        Assert.Contains(queues, q => q.Name == Queue);
        Assert.Contains(queues, q => Guid.TryParse(q.Name, out _)); // an rpc:// reply queue
        Assert.Contains(queues, q => q.Name.StartsWith("bcast.", StringComparison.Ordinal));
        Assert.Contains(queues, q => q.Name == $"{node}.celery.pidbox");
        Assert.Contains(queues, q => q.Name.EndsWith(".reply.celery.pidbox", StringComparison.Ordinal));
        Assert.All(queues, q => Assert.True(q.Durable || q.Exclusive, $"{q.Name} is transient and not exclusive, which RabbitMQ 4 refuses:\n{listing}"));

        // Every quorum queue Python may share carries kombu's one argument; the rpc:// reply queues are the apps' own,
        // quorum too, with the idle expiry that removes one its app left behind.
        Assert.All(queues.Where(q => q.Arguments.ContainsKey("x-queue-type") && !q.Name.StartsWith("celery_delayed_", StringComparison.Ordinal) && !Guid.TryParse(q.Name, out _)), q => Assert.Equal(QuorumArguments, q.Arguments));
        Assert.All(queues.Where(q => Guid.TryParse(q.Name, out _) && q.Arguments.ContainsKey("x-queue-type")), q => Assert.True(q.Arguments.ContainsKey("x-expires") && q.Arguments["x-queue-type"] == "quorum", q.ToString()));

        // kombu's delay levels, which quorum task queues bring with them, carry exactly kombu's arguments.
        Assert.Equal(28, queues.Count(q => q.Name.StartsWith("celery_delayed_", StringComparison.Ordinal)));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["x-queue-type"] = "quorum",
                ["x-message-ttl"] = "4000",
                ["x-overflow"] = "reject-publish",
                ["x-dead-letter-exchange"] = "celery_delayed_1",
                ["x-dead-letter-strategy"] = "at-least-once",
            },
            Assert.Single(queues, q => q.Name == "celery_delayed_2").Arguments);
        Assert.Equal(QuorumArguments, Assert.Single(queues, q => q.Name == Queue).Arguments);
    }

    [Fact]
    public async Task ASecondWorkerOfTheSameNameIsRefusedByTheExclusiveMailbox()
    {
        await using ProgramProcess first = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "twin@%h", concurrency: 1);
        await using ProgramProcess second = ProgramProcess.Start(WorkerProgram, "worker", "-Q", "work", "-n", "twin@%h", "-c", "1", "--broker", Broker.Url);

        await second.WaitForExitAsync();

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains(second.Lines, line => line.Contains($"A node named twin@{Environment.MachineName} is already running on this broker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FurtherArgumentsOfAQueueSpecificationReachTheBrokerBesideItsType()
    {
        const string Queue = "quorum_arguments";
        try
        {
            await App.Transport.DeclareQueueAsync(
                new QueueSpecification(Queue, Type: QueueType.Quorum, Arguments: new Dictionary<string, object?> { ["x-delivery-limit"] = 5 }),
                CancellationToken.None);

            QueueRow row = Assert.Single(await ListQueuesAsync(), q => q.Name == Queue);
            Assert.Equal(new Dictionary<string, string> { ["x-queue-type"] = "quorum", ["x-delivery-limit"] = "5" }, row.Arguments);
        }
        finally
        {
            // Declared only here: the readiness test expects quorum queues with no argument but their type.
            await Broker.CtlAsync("delete_queue", Queue);
        }
    }

    /// <summary>
    /// How many messages wait in kombu's delay levels now, by passive declarations: exact at once, where
    /// <c>rabbitmqctl list_queues</c> shows a quorum queue's count seconds late.
    /// </summary>
    private async Task<int> DelayedMessagesAsync()
    {
        int total = 0;
        for (int level = 0; level < DelayedDelivery.Levels; level++)
        {
            total += (int)((await App.Transport.InspectQueueAsync(DelayedDelivery.LevelName(level), CancellationToken.None))?.Messages ?? 0);
        }

        return total;
    }

    private static readonly Dictionary<string, string> QuorumArguments = new() { ["x-queue-type"] = "quorum" };

    private async Task<TaskApp> QuorumAppAsync(string queue)
    {
        TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.TaskDefaultQueue = queue;
            b.Options.TaskDefaultQueueType = QueueType.Quorum;
            b.AddTaskGenIntegrationWorkerTasks();
        });
        await app.Transport.PurgeAsync(queue, CancellationToken.None);
        return app;
    }

    private Task<ProgramProcess> StartQuorumWorkerAsync(string queues, string nodeName, int concurrency, params string[] extra) =>
        ProgramProcess.StartWorkerAsync(
            WorkerProgram,
            Broker.Url,
            queues,
            nodeName,
            concurrency,
            new Dictionary<string, string>
            {
                // Environment variables, as a deployment sets them: the worker's own queue is its default one, quorum.
                ["TaskGen__TaskDefaultQueue"] = queues.Split(',')[0],
                ["TaskGen__TaskDefaultQueueType"] = "quorum",
            },
            extra);

    private async Task<IReadOnlyList<QueueRow>> ListQueuesAsync()
    {
        string output = await Broker.CtlAsync("list_queues", "--formatter", "json", "name", "durable", "auto_delete", "exclusive", "arguments");
        string json = output[output.IndexOf('[', StringComparison.Ordinal)..];
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(q => new QueueRow(
            q.GetProperty("name").GetString()!,
            q.GetProperty("durable").ValueKind == JsonValueKind.True,
            q.GetProperty("auto_delete").ValueKind == JsonValueKind.True,

            // rabbitmqctl prints a quorum queue's exclusive flag as "", never true.
            q.GetProperty("exclusive").ValueKind == JsonValueKind.True,
            q.GetProperty("arguments").EnumerateArray().ToDictionary(a => a[0].GetString()!, a => a[2].ToString()))).ToArray();
    }

    private sealed record QueueRow(string Name, bool Durable, bool AutoDelete, bool Exclusive, Dictionary<string, string> Arguments)
    {
        public override string ToString() =>
            $"{Name}\tdurable={Durable}\tauto_delete={AutoDelete}\texclusive={Exclusive}\t{string.Join(",", Arguments.Select(a => $"{a.Key}={a.Value}"))}";
    }
}
