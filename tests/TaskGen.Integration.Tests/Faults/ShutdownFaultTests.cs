using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Stopping workers (issue 19, faults 7 and 11): once a stop has begun no worker starts another task, whether
/// it waited for a slot or for its own turn to stop in a host, and whatever it did not start stays on the broker.
/// </summary>
public sealed class ShutdownFaultTests(RabbitMqFixture broker) : IntegrationTest(broker), IDisposable
{
    private readonly string _marks = Path.Combine(Path.GetTempPath(), $"taskgen-stop-{Guid.NewGuid():N}");

    [Fact]
    public async Task AHostStopsEveryWorkerTakingWorkAtOnceSoNoneStartsTasksWhileAnotherDrains()
    {
        const int sentToB = 4;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:BrokerUrl"] = Broker.Url });
        builder.Services.AddTaskGen(configure: b => b.AddTaskGenIntegrationWorkerTasks());

        // B is registered first, so the host, which stops its services in reverse order, drains A before B's turn.
        builder.Services.AddTaskGenWorker(w =>
        {
            w.Queues = ["work"];
            w.NodeName = "b@%h";
            w.Concurrency = 2;
        });
        builder.Services.AddTaskGenWorker(w =>
        {
            w.Queues = ["slow"];
            w.NodeName = "a@%h";
            w.Concurrency = 1;
        });
        using IHost host = builder.Build();

        // Registered before the workers start (and register theirs), so it runs after theirs: a token runs its
        // callbacks newest first. What the test sends after it is sent after the host began to stop.
        var stoppingBegan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stoppingBegan.TrySetResult());
        await host.StartAsync();

        AsyncResult<int> onA = await App.SendAsync(StopJobs.Mark.Signature(_marks, 0, 20_000, new TaskOptions { Queue = "slow" }));
        await Poll.UntilAsync(() => Task.FromResult(Marks()), marks => marks.Contains(("a", 0)), "A to start its 20 s task");

        var clock = Stopwatch.StartNew();
        Task stopped = host.StopAsync();
        await stoppingBegan.Task.WaitAsync(Guard);
        AsyncResult<int>[] onB = await Task.WhenAll(Enumerable.Range(1, sentToB).Select(i => App.SendAsync(StopJobs.Mark.Signature(_marks, i, 200))));
        await stopped.WaitAsync(Guard);

        // A had its whole grace: its task ran to the end and answered.
        Assert.Equal(0, await onA.GetAsync(Guard));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"The host took {clock.Elapsed.TotalSeconds:0.0} s to stop, more than the 30 s shutdown timeout.");

        // B started none of what came after the stop began, failed none, and left all of it for the next worker.
        int startedOnB = Marks().Count(mark => mark.Node == "b");
        Assert.True(startedOnB == 0, $"{startedOnB} of {sentToB} tasks sent after the host began to stop started on B.");
        Assert.DoesNotContain(onB, result => result.IsReady);
        Assert.Equal((uint)sentToB, await ReadyAsync("work"));
    }

    [Fact]
    public async Task AStopStartsNoTaskWhoseSlotFreesAfterItBeganAndEveryOneRunsOnceOnTheNextWorker()
    {
        const int waiting = 6;
        var transport = new GatedTransport(TransportFactory.Create(Broker.Url, NullLoggerFactory.Instance));
        await using TaskApp firstApp = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Transport = transport;
            b.AddTaskGenIntegrationWorkerTasks();
        });
        await using TaskWorker first = firstApp.CreateWorker(new WorkerOptions { Queues = ["work"], Concurrency = 1, NodeName = "first@%h" });
        await first.StartAsync();

        // The first task runs and frees the only slot; the next delivery waits at the gate, the rest are prefetched.
        AsyncResult<int> running = await App.SendAsync(StopJobs.Mark.Signature(_marks, 0, 0));
        AsyncResult<int>[] queued = await Task.WhenAll(Enumerable.Range(1, waiting).Select(i => App.SendAsync(StopJobs.Mark.Signature(_marks, i, 1500))));
        Assert.Equal(0, await running.GetAsync(Guard));
        await Poll.UntilAsync(() => Task.FromResult(transport.AtGate), at => at == 1, "a prefetched delivery to wait at the gate");

        // The stop begins while the first task is still settling its message, so the stop waits for it; only then
        // does the waiting delivery reach the worker, with the slot free, as one dispatched late would.
        Task stopped = first.StopAsync();
        transport.Open();
        string next = queued[0].Id;
        await Poll.UntilAsync(
            () => Task.FromResult(first.Active.Any(a => a.Request.Id == next) || transport.Rejected.Contains(next)),
            settled => settled,
            "the delivery let through after the stop began to start or go back",
            TimeSpan.FromMilliseconds(5));
        transport.LetTheFirstAck();
        await stopped.WaitAsync(Guard);
        int startedOnFirst = Marks().Count(mark => mark.Node == "first" && mark.Id > 0);

        // The next worker runs everything the stopping one did not, each task once.
        await using TaskWorker second = App.CreateWorker(new WorkerOptions { Queues = ["work"], Concurrency = waiting, NodeName = "second@%h" });
        await second.StartAsync();
        Assert.Equal(Enumerable.Range(1, waiting), await Task.WhenAll(queued.Select(r => r.GetAsync(Guard))));
        await second.StopAsync();

        Assert.True(startedOnFirst == 0, $"{startedOnFirst} of {waiting} waiting tasks started on the worker after its stop began.");
        var runs = Marks().GroupBy(mark => mark.Id).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(Enumerable.Range(0, waiting + 1), id => Assert.True(runs.GetValueOrDefault(id) == 1, $"Task {id} ran {runs.GetValueOrDefault(id)} times."));
    }

    /// <inheritdoc />
    public void Dispose() => File.Delete(_marks);

    /// <summary>Who started what: the node name before its <c>@</c>, and the id.</summary>
    private List<(string Node, int Id)> Marks() =>
        !File.Exists(_marks)
            ? []
            : File.ReadAllLines(_marks).Select(line => line.Split(' ')).Select(parts => (parts[0].Split('@')[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();

    /// <summary>
    /// Lets the first delivery through and holds the next at a gate until <see cref="Open"/>; holds the first
    /// delivery's acknowledgement until <see cref="LetTheFirstAck"/>, and notes the ids of rejected deliveries.
    /// </summary>
    private sealed class GatedTransport(ITransport inner) : ForwardingTransport(inner)
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _delivered;
        private int _atGate;

        public int AtGate => Volatile.Read(ref _atGate);

        public ConcurrentBag<string> Rejected { get; } = [];

        public void Open() => _gate.TrySetResult();

        public void LetTheFirstAck() => _firstAck.TrySetResult();

        public override ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken) =>
            Inner.ConsumeAsync(consumer with { Handler = delivery => HandleAsync(consumer.Handler, delivery) }, cancellationToken);

        private async ValueTask HandleAsync(Func<Delivery, ValueTask> handler, Delivery delivery)
        {
            bool isFirst = Interlocked.Increment(ref _delivered) == 1;
            if (!isFirst)
            {
                Interlocked.Increment(ref _atGate);
                await _gate.Task.WaitAsync(ProgramProcess.Guard);
            }

            await handler(new WatchedDelivery(delivery, this, isFirst ? _firstAck.Task : null));
        }

        private sealed class WatchedDelivery(Delivery inner, GatedTransport owner, Task? ackAfter) : Delivery(inner.Message, inner.Queue, inner.Redelivered)
        {
            public override CancellationToken Lost => inner.Lost;

            public override ValueTask HoldAsync() => inner.HoldAsync();

            public override async ValueTask AckAsync()
            {
                if (ackAfter is not null)
                {
                    await ackAfter.WaitAsync(ProgramProcess.Guard);
                }

                await inner.AckAsync();
            }

            public override ValueTask RejectAsync(bool requeue)
            {
                owner.Rejected.Add(Message.Properties.CorrelationId ?? string.Empty);
                return inner.RejectAsync(requeue);
            }
        }
    }
}
