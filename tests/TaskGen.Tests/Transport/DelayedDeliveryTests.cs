using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Transport;

/// <summary>
/// kombu's native delayed delivery, as TaskGen declares and uses it for quorum queues: the same level names, queue
/// arguments, binding keys and routing keys, so Celery 5.5 and TaskGen share delayed tasks.
/// </summary>
public sealed class DelayedDeliveryTests
{
    [Theory]
    [InlineData(1, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.calc")]
    [InlineData(5, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.1.calc")]
    [InlineData(268_435_455, "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.calc")]
    public void TheRoutingKeyIsTheCountdownsTwentyEightBinaryDigitsThenTheQueue(long seconds, string expected)
    {
        Assert.Equal(expected, DelayedDelivery.RoutingKey(seconds, "calc"));
    }

    [Fact]
    public void ARoutingKeyThatCarriesADelayAlreadyLosesItBeforeTheNewOneIsAdded()
    {
        string once = DelayedDelivery.RoutingKey(3, "calc");

        Assert.Equal(DelayedDelivery.RoutingKey(8, "calc"), DelayedDelivery.RoutingKey(8, once));
    }

    [Theory]
    [InlineData(0.999, null)]
    [InlineData(1.0, 1L)]
    [InlineData(2.7, 2L)]
    [InlineData(1e10, 268_435_455L)]
    public void OnlyWholeSecondsOfACountdownWaitInTheBroker(double seconds, long? expected)
    {
        Assert.Equal(expected, DelayedDelivery.Seconds(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public async Task TheLevelsAreDeclaredAsKombuDeclaresThemForQuorumQueues()
    {
        var transport = new DelayCapableTransport();

        await DelayedDelivery.DeclareAsync(transport, CancellationToken.None);

        Assert.Equal(28, transport.Queues.Count);
        QueueSpecification top = transport.Queues.Single(q => q.Name == "celery_delayed_27");
        Assert.Equal(QueueType.Quorum, top.Type);
        Assert.Equal(TimeSpan.FromSeconds(134_217_728), top.MessageTtl);
        Assert.Equal("celery_delayed_26", top.Arguments!["x-dead-letter-exchange"]);
        Assert.Equal("reject-publish", top.Arguments["x-overflow"]);
        Assert.Equal("at-least-once", top.Arguments["x-dead-letter-strategy"]);
        Assert.Equal("celery_delayed_delivery", transport.Queues.Single(q => q.Name == "celery_delayed_0").Arguments!["x-dead-letter-exchange"]);
        Assert.True(transport.Queues.All(q => q.Durable && !q.Exclusive && !q.AutoDelete));

        Assert.Contains(("celery_delayed_27", "celery_delayed_27", "1.#"), transport.QueueBindings);
        Assert.Contains(("celery_delayed_0", "celery_delayed_0", string.Concat(Enumerable.Repeat("*.", 27)) + "1.#"), transport.QueueBindings);
        Assert.Contains(("celery_delayed_26", "celery_delayed_27", "0.#"), transport.ExchangeBindings);
        Assert.Contains(("celery_delayed_0", "celery_delayed_1", string.Concat(Enumerable.Repeat("*.", 26)) + "0.#"), transport.ExchangeBindings);
        Assert.Contains(("celery_delayed_delivery", "celery_delayed_0", string.Concat(Enumerable.Repeat("*.", 27)) + "0.#"), transport.ExchangeBindings);
        Assert.Equal(28, transport.ExchangeBindings.Count);
    }

    [Theory]
    [InlineData(0, 1_000)]
    [InlineData(21, 2_097_152_000)]
    public void ALevelsTtlThatFitsThirtyTwoBitsGoesToRabbitMqAsAnInt(int level, int expected)
    {
        Assert.Equal(expected, Assert.IsType<int>(RabbitMqTransport.MessageTtlArgument(TimeSpan.FromSeconds(1L << level))));
    }

    [Theory]
    [InlineData(22, 4_194_304_000L)]
    [InlineData(27, 134_217_728_000L)]
    public void ALevelsTtlBeyondThirtyTwoBitsGoesToRabbitMqAsALongUncapped(int level, long expected)
    {
        // kombu declares 2^level * 1000 ms; a capped value made RabbitMQ refuse whichever side declared second.
        Assert.Equal(expected, Assert.IsType<long>(RabbitMqTransport.MessageTtlArgument(TimeSpan.FromSeconds(1L << level))));
    }

    [Fact]
    public async Task AnEtaTaskForAQuorumQueueGoesThroughTheTopLevelAndOneForAClassicQueueDoesNot()
    {
        var transport = new DelayCapableTransport();
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N");
            b.Options.TaskDefaultQueueType = QueueType.Quorum;
            b.Transport = transport;
            b.AddTaskGenTestsTasks();
        });

        await app.SendAsync(TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(1, 1, new TaskOptions { Countdown = TimeSpan.FromSeconds(5.5), IgnoreResult = true }));
        await app.SendAsync(TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(1, 1, new TaskOptions { Countdown = TimeSpan.FromMilliseconds(500), IgnoreResult = true }));
        await app.SendAsync(TaskGen.Tests.EndToEnd.Remote.TestTasks.Add.Signature(1, 1, new TaskOptions { Countdown = TimeSpan.FromSeconds(5), Queue = "slow", IgnoreResult = true }));

        TransportMessage[] tasks = transport.Published.Where(m => m.Headers.ContainsKey("task")).ToArray();
        Assert.Equal(("celery_delayed_27", DelayedDelivery.RoutingKey(5, "celery")), (tasks[0].Exchange, tasks[0].RoutingKey));
        Assert.NotNull(TaskMessageCodec.HeaderString(tasks[0].Headers, "eta"));
        Assert.Equal((string.Empty, "celery"), (tasks[1].Exchange, tasks[1].RoutingKey));
        Assert.Contains(("celery", "celery_delayed_delivery", "#.celery"), transport.QueueBindings);

        // The test assembly declares "slow" without a type, so it is quorum too here; on memory:// nothing routes
        // through the levels, which is why this transport only records.
        Assert.Equal("celery_delayed_27", tasks[2].Exchange);
    }

    [Fact]
    public async Task AFollowUpDueLaterForAQuorumQueueGoesThroughTheTopLevelAndOneDueNowDoesNot()
    {
        var transport = new DelayCapableTransport();
        var options = new TaskAppOptions { TaskDefaultQueueType = QueueType.Quorum };
        var router = new TaskGen.Worker.TaskRouter(options, new TaskGen.Worker.TaskRegistry(), new TaskPublisher(transport, null));
        DateTimeOffset later = DateTimeOffset.UtcNow.AddHours(1);

        // A step started from a signature names its queue as its routing key; one without a queue names none.
        await router.SendFollowUpAsync(Step("later-1", string.Empty, later), null);
        await router.SendFollowUpAsync(Step("later-2", "celery", later), "celery");
        await router.SendFollowUpAsync(Step("now-1", string.Empty, null), null);

        TransportMessage[] tasks = transport.Published.Where(m => m.Headers.ContainsKey("task")).ToArray();
        Assert.Equal("celery_delayed_27", tasks[0].Exchange);
        Assert.EndsWith(".celery", tasks[0].RoutingKey, StringComparison.Ordinal);
        Assert.Equal("celery_delayed_27", tasks[1].Exchange);
        Assert.Equal((string.Empty, "celery"), (tasks[2].Exchange, tasks[2].RoutingKey));
    }

    private static TaskEnvelope Step(string id, string routingKey, DateTimeOffset? eta) => new()
    {
        Id = id,
        Name = "proj.tasks.add",
        Arguments = TaskGen.Serialization.RawJsonArguments.FromWorker("[1, 1]", "{}"),
        RoutingKey = routingKey,
        Eta = eta,
    };

    /// <summary>Records what is declared, bound and published, as a RabbitMQ transport would take it.</summary>
    private sealed class DelayCapableTransport() : ForwardingTransport(new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N")))), ITransport
    {
        public ConcurrentQueue<TransportMessage> Published { get; } = new();

        public List<QueueSpecification> Queues { get; } = [];

        public List<(string Queue, string Exchange, string Key)> QueueBindings { get; } = [];

        public List<(string Destination, string Source, string Key)> ExchangeBindings { get; } = [];

        public bool SupportsNativeDelayedDelivery => true;

        public override ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken)
        {
            lock (Queues)
            {
                Queues.Add(queue);
            }

            return base.DeclareQueueAsync(queue, cancellationToken);
        }

        public override ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken)
        {
            lock (QueueBindings)
            {
                QueueBindings.Add((queue, exchange, routingKey));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask BindExchangeAsync(string destination, string source, string routingKey, CancellationToken cancellationToken)
        {
            lock (ExchangeBindings)
            {
                ExchangeBindings.Add((destination, source, routingKey));
            }

            return ValueTask.CompletedTask;
        }

        public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            Published.Enqueue(message);
            return ValueTask.CompletedTask;
        }
    }
}
