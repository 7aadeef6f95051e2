using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;

// The TaskGen side's own queue in the delayed-delivery tests, quorum as a Celery 5.5+ deployment's are.
[assembly: TaskQueue("net56", Type = QueueType.Quorum)]

namespace TaskGen.Interop.Tests;

/// <summary>
/// kombu's native delayed delivery shared with a real Celery 5.6.3 worker and producer on quorum queues: TaskGen
/// declares the layout exactly as kombu 5.6.2 does, so whichever side starts first, neither gets a 406 and both
/// sides' countdowns wait in the broker. Each test runs in a virtual host of its own, since the layout's names are
/// global to a vhost.
/// </summary>
public sealed class DelayedDeliveryInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const string DotnetQueue = "net56";
    private const string PythonQueue = "py56";
    private static readonly string[] s_refusals = ["PRECONDITION_FAILED", "inequivalent arg", "Failed to setup delayed delivery", "Failed to declare exchanges"];

    [Celery56Fact]
    public async Task TaskGenDeclaresTheLevelsExactlyAsKombuDoesDownToTheArgumentTypes()
    {
        await using PrivateVhost kombu = await PrivateVhost.CreateAsync(Broker, "kombu");
        await using PrivateVhost taskgen = await PrivateVhost.CreateAsync(Broker, "taskgen");

        Assert.True((await Python.Celery56ScenarioAsync(kombu.Url, "declare_levels")).GetProperty("declared").GetBoolean());
        await using (TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = taskgen.Url))
        {
            await DelayedDelivery.DeclareAsync(app.Transport, CancellationToken.None);
        }

        // x-message-ttl is a signed 32-bit integer up to level 21 and a long from level 22 (134,217,728,000 at 27).
        string expected = await kombu.LayoutAsync();
        Assert.Contains("{<<\"x-message-ttl\">>,long,134217728000}", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await taskgen.LayoutAsync());
    }

    [Celery56Fact]
    public async Task ATaskGenWorkerStartsAfterACelery56WorkerDeclaredTheLevelsAndItsCountdownWaitsInThem()
    {
        await using PrivateVhost vhost = await PrivateVhost.CreateAsync(Broker, "celeryfirst");
        await using ProgramProcess python = await Python.StartCelery56WorkerAsync(vhost.Url, PythonQueue, "py56a@%h");
        await vhost.WaitForCeleryBindingAsync();
        await using ProgramProcess dotnet = await StartTaskGenWorkerAsync(vhost.Url, "net56a@%h");

        await AssertTaskGenCountdownWaitsInTheLevelsAsync(vhost.Url);
        await AssertCeleryCountdownWaitsInTheLevelsAsync(vhost.Url, python);
        AssertNoRefusal(python, dotnet);
    }

    [Celery56Fact]
    public async Task ACelery56WorkerStartsAfterATaskGenWorkerDeclaredTheLevelsAndItsCountdownWaitsInThem()
    {
        await using PrivateVhost vhost = await PrivateVhost.CreateAsync(Broker, "taskgenfirst");
        await using ProgramProcess dotnet = await StartTaskGenWorkerAsync(vhost.Url, "net56b@%h");
        await using ProgramProcess python = await Python.StartCelery56WorkerAsync(vhost.Url, PythonQueue, "py56b@%h");

        // The worker binds its queue's exchange to celery_delayed_delivery only once it has declared the levels.
        await vhost.WaitForCeleryBindingAsync();
        await AssertCeleryCountdownWaitsInTheLevelsAsync(vhost.Url, python);
        await AssertTaskGenCountdownWaitsInTheLevelsAsync(vhost.Url);
        AssertNoRefusal(python, dotnet);
    }

    [Fact]
    public async Task AWorkerRefusedALevelDeclaredWithOtherArgumentsExitsNamingTheQueueTheArgumentAndTheFix()
    {
        // The level as TaskGen declared it before it matched kombu: its TTL capped at 2^31 - 1 ms.
        await using PrivateVhost vhost = await PrivateVhost.CreateAsync(Broker, "conflict");
        await using (TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = vhost.Url))
        {
            var arguments = new Dictionary<string, object?>
            {
                ["x-overflow"] = "reject-publish",
                ["x-dead-letter-exchange"] = "celery_delayed_26",
                ["x-dead-letter-strategy"] = "at-least-once",
            };
            await app.Transport.DeclareQueueAsync(
                new QueueSpecification("celery_delayed_27", MessageTtl: TimeSpan.FromMilliseconds(int.MaxValue), Type: QueueType.Quorum, Arguments: arguments), CancellationToken.None);
        }

        await using ProgramProcess worker = ProgramProcess.StartExecutable(
            "dotnet",
            [WorkerProgram, "worker", "-Q", DotnetQueue, "-n", "conflict@%h", "-c", "1", "--broker", vhost.Url],
            new Dictionary<string, string> { ["TaskGen__TaskDefaultQueue"] = DotnetQueue, ["TaskGen__TaskDefaultQueueType"] = "quorum" });
        await worker.WaitForExitAsync();

        string output = string.Join("\n", worker.Lines);
        Assert.True(worker.ExitCode == 69, $"exit {worker.ExitCode}:\n{output}");
        string error = Assert.Single(worker.Lines, line => line.StartsWith("Error: ", StringComparison.Ordinal));
        Assert.Contains($"refused to declare queue 'celery_delayed_27' in vhost '{vhost.Name}': it exists with x-message-ttl '2147483647', where this declaration has '134217728000'.", error, StringComparison.Ordinal);
        Assert.Contains($"rabbitmqctl delete_queue -p '{vhost.Name}' 'celery_delayed_27'", error, StringComparison.Ordinal);
    }

    private static Task<ProgramProcess> StartTaskGenWorkerAsync(string url, string nodeName) =>
        ProgramProcess.StartWorkerAsync(
            WorkerProgram,
            url,
            DotnetQueue,
            nodeName,
            2,
            new Dictionary<string, string> { ["TaskGen__TaskDefaultQueue"] = DotnetQueue, ["TaskGen__TaskDefaultQueueType"] = "quorum" });

    private static async Task AssertTaskGenCountdownWaitsInTheLevelsAsync(string url)
    {
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = url;
            b.Options.TaskDefaultQueue = DotnetQueue;
            b.Options.TaskDefaultQueueType = QueueType.Quorum;
            b.AddTaskGenIntegrationWorkerTasks();
        });

        DateTimeOffset sent = DateTimeOffset.UtcNow;
        AsyncResult<int> eta = await app.SendAsync(Jobs.Add.Signature(40, 2, new TaskOptions { Queue = DotnetQueue, Countdown = TimeSpan.FromSeconds(3) }));
        int delayed = await Poll.UntilAsync(() => DelayedMessagesAsync(app.Transport), n => n > 0 || eta.IsReady, "the TaskGen countdown task to wait in a delay level", TimeSpan.FromMilliseconds(20));
        Assert.True(delayed > 0, "The TaskGen countdown task never waited in a delay level.");
        Assert.Equal(42, await eta.GetAsync(Guard));
        Assert.True(DateTimeOffset.UtcNow - sent >= TimeSpan.FromSeconds(2.9), "The TaskGen countdown task ran before it was due.");
    }

    private static async Task AssertCeleryCountdownWaitsInTheLevelsAsync(string url, ProgramProcess worker)
    {
        // The run is read from the worker's log rather than through rpc://, whose reply to the sending script was
        // seen lost now and then while the task itself ran on time.
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = url);
        JsonElement sent = await Python.Celery56ScenarioAsync(url, "send_countdown", "3");
        string id = sent.GetProperty("id").GetString()!;
        int delayed = await Poll.UntilAsync(
            () => DelayedMessagesAsync(app.Transport), n => n > 0 || worker.Lines.Any(line => line.Contains(id, StringComparison.Ordinal)), "the Celery countdown task to wait in a delay level", TimeSpan.FromMilliseconds(20));
        Assert.True(delayed > 0, "The Celery 5.6 countdown task never waited in a delay level.");

        // "Task py56.stamp[id] succeeded in 0.001s: 1796631171.37", the value being when it ran.
        string line = await worker.WaitForLineAsync(l => l.Contains($"py56.stamp[{id}] succeeded", StringComparison.Ordinal), "the Celery countdown task to run");
        double ran = double.Parse(line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ran - sent.GetProperty("sent").GetDouble() >= 2.9, $"The Celery 5.6 countdown task ran before it was due: {line}");
    }

    private static void AssertNoRefusal(ProgramProcess python, ProgramProcess dotnet)
    {
        foreach ((string side, ProgramProcess process) in new[] { ("Celery 5.6", python), ("TaskGen", dotnet) })
        {
            string output = string.Join("\n", process.Lines);
            Assert.False(s_refusals.Any(refusal => output.Contains(refusal, StringComparison.Ordinal)), $"The {side} worker was refused a declaration:\n{output}");
        }
    }

    private static async Task<int> DelayedMessagesAsync(ITransport transport)
    {
        int total = 0;
        for (int level = 0; level < DelayedDelivery.Levels; level++)
        {
            total += (int)((await transport.InspectQueueAsync(DelayedDelivery.LevelName(level), CancellationToken.None))?.Messages ?? 0);
        }

        return total;
    }

    /// <summary>A virtual host of the test's own on the shared node, deleted with everything in it afterwards.</summary>
    private sealed class PrivateVhost : IAsyncDisposable
    {
        private readonly RabbitMqFixture _broker;

        private PrivateVhost(RabbitMqFixture broker, string name)
        {
            _broker = broker;
            Name = name;
            Url = broker.Url.TrimEnd('/') + "/" + name;
        }

        public string Name { get; }

        public string Url { get; }

        public static async Task<PrivateVhost> CreateAsync(RabbitMqFixture broker, string purpose)
        {
            var vhost = new PrivateVhost(broker, "delayed-" + purpose + "-" + Guid.NewGuid().ToString("N")[..8]);
            await broker.CtlAsync("add_vhost", vhost.Name);
            await broker.CtlAsync("set_permissions", "-p", vhost.Name, "guest", ".*", ".*", ".*");
            return vhost;
        }

        /// <summary>The delayed-delivery entities of the vhost as RabbitMQ holds them: flags, typed arguments and bindings, sorted.</summary>
        public async Task<string> LayoutAsync()
        {
            string queues = await _broker.CtlAsync(
                "eval",
                "lists:sort([{element(4, amqqueue:get_name(Q)), amqqueue:is_durable(Q), amqqueue:is_auto_delete(Q), amqqueue:get_exclusive_owner(Q), " +
                $"lists:sort(amqqueue:get_arguments(Q))}} || Q <- rabbit_amqqueue:list(<<\"{Name}\">>)]).");
            string exchanges = await _broker.CtlAsync("list_exchanges", "-p", Name, "name", "type", "durable", "auto_delete", "internal", "arguments");
            string bindings = await _broker.CtlAsync("list_bindings", "-p", Name, "source_name", "destination_name", "destination_kind", "routing_key", "arguments");
            return string.Join("\n", queues.Trim(), Sorted(exchanges), Sorted(bindings));
        }

        /// <summary>Waits until a Celery 5.6 worker has finished its delayed-delivery setup: its exchange bound to celery_delayed_delivery.</summary>
        public Task WaitForCeleryBindingAsync() =>
            Poll.UntilAsync(
                () => _broker.CtlAsync("list_bindings", "-p", Name, "source_name", "destination_name", "routing_key"),
                listing => listing.Split('\n').Any(line => line.Trim() == $"{DelayedDelivery.DeliveryExchange}\t{PythonQueue}\t#.{PythonQueue}"),
                "the Celery 5.6 worker to bind its queue's exchange to the delivery exchange");

        public async ValueTask DisposeAsync() => await _broker.CtlAsync("delete_vhost", Name);

        private static string Sorted(string listing) =>
            string.Join("\n", listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }
}

/// <summary>A test that needs Celery 5.6's sources beside the repository; skipped, saying where they were looked for, when they are missing.</summary>
public sealed class Celery56FactAttribute : FactAttribute
{
    /// <summary>Skips the test when <see cref="Python.Celery56"/> is missing.</summary>
    public Celery56FactAttribute() => Skip = Python.Celery56Missing;
}
