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
[assembly: TaskQueue("netdelayed", Type = QueueType.Quorum)]

namespace TaskGen.Interop.Tests;

/// <summary>
/// kombu's native delayed delivery shared with a real Celery 5.6.3 worker and producer on quorum queues: TaskGen
/// declares the layout exactly as kombu 5.6.2 does, so whichever side starts first, neither gets a 406 and both
/// sides' countdowns wait in the broker. Each test runs in a virtual host of its own, since the layout's names are
/// global to a vhost.
/// </summary>
public sealed class DelayedDeliveryInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const string DotnetQueue = "netdelayed";
    private const string PythonQueue = "pydelayed";
    private const string NoNativeDelayedDelivery = "kombu 5.2 has no native delayed delivery; kombu 5.5 (Celery 5.5) added it.";
    private static readonly string[] s_refusals = ["PRECONDITION_FAILED", "inequivalent arg", "Failed to setup delayed delivery", "Failed to declare exchanges"];

    [CeleryTheory(Unsupported = Python.Celery52, Because = NoNativeDelayedDelivery)]
    public async Task TaskGenDeclaresTheLevelsExactlyAsKombuDoesDownToTheArgumentTypes(string celery)
    {
        await using PrivateVhost kombu = await PrivateVhost.CreateAsync(Broker, "kombu");
        await using PrivateVhost taskgen = await PrivateVhost.CreateAsync(Broker, "taskgen");

        Assert.True((await Python.ScenarioAsync(celery, kombu.Url, "declare_levels")).GetProperty("declared").GetBoolean());
        await using (TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = taskgen.Url))
        {
            await DelayedDelivery.DeclareAsync(app.Transport, CancellationToken.None);
        }

        // x-message-ttl is a signed 32-bit integer up to level 21 and a long from level 22 (134,217,728,000 at 27).
        string expected = await kombu.LayoutAsync();
        Assert.Contains("{<<\"x-message-ttl\">>,long,134217728000}", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await taskgen.LayoutAsync());
    }

    [CeleryTheory(Unsupported = Python.Celery52, Because = NoNativeDelayedDelivery)]
    public async Task ATaskGenWorkerStartsAfterACeleryWorkerDeclaredTheLevelsAndItsCountdownWaitsInThem(string celery)
    {
        await using PrivateVhost vhost = await PrivateVhost.CreateAsync(Broker, "celeryfirst");
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, vhost.Url, PythonQueue, "pydelayeda@%h");
        await vhost.WaitForCeleryBindingAsync();
        await using ProgramProcess dotnet = await StartTaskGenWorkerAsync(vhost.Url, "netdelayeda@%h");

        await AssertTaskGenCountdownWaitsInTheLevelsAsync(vhost.Url);
        await AssertCeleryCountdownWaitsInTheLevelsAsync(celery, vhost.Url, python);
        AssertNoRefusal(celery, python, dotnet);
    }

    [CeleryTheory(Unsupported = Python.Celery52, Because = NoNativeDelayedDelivery)]
    public async Task ACeleryWorkerStartsAfterATaskGenWorkerDeclaredTheLevelsAndItsCountdownWaitsInThem(string celery)
    {
        await using PrivateVhost vhost = await PrivateVhost.CreateAsync(Broker, "taskgenfirst");
        await using ProgramProcess dotnet = await StartTaskGenWorkerAsync(vhost.Url, "netdelayedb@%h");
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, vhost.Url, PythonQueue, "pydelayedb@%h");

        // The worker binds its queue's exchange to celery_delayed_delivery only once it has declared the levels.
        await vhost.WaitForCeleryBindingAsync();
        await AssertCeleryCountdownWaitsInTheLevelsAsync(celery, vhost.Url, python);
        await AssertTaskGenCountdownWaitsInTheLevelsAsync(vhost.Url);
        AssertNoRefusal(celery, python, dotnet);
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
        // One line says it all: the worker's start failure, logged once without a stack trace.
        string error = Assert.Single(worker.Lines, line => line.Contains("refused to declare queue", StringComparison.Ordinal));
        Assert.DoesNotContain(worker.Lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
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

    private static async Task AssertCeleryCountdownWaitsInTheLevelsAsync(string celery, string url, ProgramProcess worker)
    {
        // The run is read from the worker's log rather than through rpc://, whose reply to the sending script was
        // seen lost now and then while the task itself ran on time.
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = url);
        JsonElement sent = await Python.ScenarioAsync(celery, url, "send_countdown", "3");
        string id = sent.GetProperty("id").GetString()!;
        int delayed = await Poll.UntilAsync(
            () => DelayedMessagesAsync(app.Transport), n => n > 0 || worker.Lines.Any(line => line.Contains(id, StringComparison.Ordinal)), "the Celery countdown task to wait in a delay level", TimeSpan.FromMilliseconds(20));
        Assert.True(delayed > 0, $"The Celery {celery} countdown task never waited in a delay level.");

        // "Task delayed.stamp[id] succeeded in 0.001s: 1796631171.37", the value being when it ran.
        string line = await worker.WaitForLineAsync(l => l.Contains($"delayed.stamp[{id}] succeeded", StringComparison.Ordinal), "the Celery countdown task to run");
        double ran = double.Parse(line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ran - sent.GetProperty("sent").GetDouble() >= 2.9, $"The Celery {celery} countdown task ran before it was due: {line}");
    }

    private static void AssertNoRefusal(string celery, ProgramProcess python, ProgramProcess dotnet)
    {
        foreach ((string side, ProgramProcess process) in new[] { ($"Celery {celery}", python), ("TaskGen", dotnet) })
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

        /// <summary>Waits until a Celery 5.5+ worker has finished its delayed-delivery setup: its exchange bound to celery_delayed_delivery.</summary>
        public Task WaitForCeleryBindingAsync() =>
            Poll.UntilAsync(
                () => _broker.CtlAsync("list_bindings", "-p", Name, "source_name", "destination_name", "routing_key"),
                listing => listing.Split('\n').Any(line => line.Trim() == $"{DelayedDelivery.DeliveryExchange}\t{PythonQueue}\t#.{PythonQueue}"),
                "the Celery worker to bind its queue's exchange to the delivery exchange");

        public async ValueTask DisposeAsync() => await _broker.CtlAsync("delete_vhost", Name);

        private static string Sorted(string listing) =>
            string.Join("\n", listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }
}
