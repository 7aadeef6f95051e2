using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Tests.Transport;

/// <summary>
/// The in-memory broker's RabbitMQ rules: the default exchange, fanout, competing consumers, the
/// prefetch window, reject with and without requeue, purge and inspection. Each test uses its own broker.
/// </summary>
public sealed class InMemoryTransportTests
{
    /// <summary>Only a guard against a hang: every wait completes at once when the transport works.</summary>
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PublishToTheDefaultExchangeGoesToTheQueueNamedByTheRoutingKey()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("alpha"), CancellationToken.None);
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("beta"), CancellationToken.None);

        await transport.PublishAsync(Message(string.Empty, "alpha", "one"), CancellationToken.None);

        Assert.Equal(1, transport.Broker.CountReady("alpha"));
        Assert.Equal(0, transport.Broker.CountReady("beta"));

        var received = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await transport.ConsumeAsync("alpha", 1, autoAck: false, Collect(received), CancellationToken.None))
        {
            Delivery delivery = await received.Task.WaitAsync(s_hangGuard);
            Assert.Equal("one", Body(delivery));
            Assert.Equal("alpha", delivery.Queue);
            Assert.False(delivery.Redelivered);
            await delivery.AckAsync();
        }
    }

    [Fact]
    public async Task PublishToTheTaskQueuesOwnExchangeIsRoutedByKey()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("alpha"), CancellationToken.None);

        await transport.PublishAsync(Message("alpha", "alpha", "one"), CancellationToken.None);
        Assert.Equal(1, transport.Broker.CountReady("alpha"));

        await Assert.ThrowsAsync<MessageNotRoutedException>(async () => await transport.PublishAsync(Message("alpha", "other-key", "two"), CancellationToken.None));
    }

    [Fact]
    public async Task PublishToAMissingQueueThrowsMessageNotRouted()
    {
        InMemoryTransport transport = NewTransport();

        MessageNotRoutedException error = await Assert.ThrowsAsync<MessageNotRoutedException>(
            async () => await transport.PublishAsync(Message(string.Empty, "nowhere", "lost"), CancellationToken.None));
        Assert.Equal(string.Empty, error.Exchange);
        Assert.Equal("nowhere", error.RoutingKey);
        Assert.Contains("'nowhere'", error.Message);
    }

    [Fact]
    public async Task FanoutDeliversToEveryBoundQueue()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("broadcast", Broadcast: true), CancellationToken.None);
        string first = await DeclareBoundAsync(transport, "bcast.worker1", "broadcast");
        string second = await DeclareBoundAsync(transport, "bcast.worker2", "broadcast");
        Assert.Equal("bcast.worker1", first);
        Assert.Equal("bcast.worker2", second);

        await transport.PublishAsync(Message("broadcast", string.Empty, "to all"), CancellationToken.None);

        var firstReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await transport.ConsumeAsync(first, 1, autoAck: true, Collect(firstReceived), CancellationToken.None))
        await using (await transport.ConsumeAsync(second, 1, autoAck: true, Collect(secondReceived), CancellationToken.None))
        {
            Assert.Equal("to all", Body(await firstReceived.Task.WaitAsync(s_hangGuard)));
            Assert.Equal("to all", Body(await secondReceived.Task.WaitAsync(s_hangGuard)));
        }
    }

    [Fact]
    public async Task FanoutWithNoQueueBoundIsNotRouted()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("broadcast", Broadcast: true), CancellationToken.None);

        await Assert.ThrowsAsync<MessageNotRoutedException>(async () => await transport.PublishAsync(Message("broadcast", string.Empty, "x"), CancellationToken.None));
    }

    [Fact]
    public async Task DeclareQueueWithoutANameChoosesAUniqueOne()
    {
        InMemoryTransport transport = NewTransport();
        string first = await transport.DeclareQueueAsync(new QueueSpecification(null), CancellationToken.None);
        string second = await transport.DeclareQueueAsync(new QueueSpecification(null), CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Equal(0, transport.Broker.CountReady(first));
    }

    [Fact]
    public async Task TwoConsumersOnOneQueueEachMessageIsDeliveredOnce()
    {
        const int count = 50;
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        for (int i = 0; i < count; i++)
        {
            await transport.PublishAsync(Message(string.Empty, "work", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);
        }

        var bodies = new ConcurrentQueue<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask Handle(Delivery delivery)
        {
            bodies.Enqueue(Body(delivery));
            await delivery.AckAsync();
            if (bodies.Count == count)
            {
                all.TrySetResult();
            }
        }

        await using (await transport.ConsumeAsync("work", 5, autoAck: false, Handle, CancellationToken.None))
        await using (await transport.ConsumeAsync("work", 5, autoAck: false, Handle, CancellationToken.None))
        {
            await all.Task.WaitAsync(s_hangGuard);
        }

        // Both consumers are stopped: nothing more can arrive.
        Assert.Equal(count, bodies.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), bodies.Order());
        Assert.Equal(0, transport.Broker.CountReady("work"));
    }

    [Fact]
    public async Task TwoConsumersWithPrefetchOneShareTheWork()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "a"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "b"), CancellationToken.None);

        // Neither consumer acks, so each can hold one message: both messages out means one each.
        var firstReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await transport.ConsumeAsync("work", 1, autoAck: false, Collect(firstReceived), CancellationToken.None))
        await using (await transport.ConsumeAsync("work", 1, autoAck: false, Collect(secondReceived), CancellationToken.None))
        {
            Delivery first = await firstReceived.Task.WaitAsync(s_hangGuard);
            Delivery second = await secondReceived.Task.WaitAsync(s_hangGuard);
            Assert.Equal(new[] { "a", "b" }, new[] { Body(first), Body(second) }.Order());
            await first.AckAsync();
            await second.AckAsync();
        }
    }

    [Fact]
    public async Task RejectWithoutRequeueDeadLetters()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "poison"), CancellationToken.None);

        var received = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await transport.ConsumeAsync("work", 1, autoAck: false, Collect(received), CancellationToken.None))
        {
            Delivery delivery = await received.Task.WaitAsync(s_hangGuard);
            Assert.Empty(transport.Broker.DeadLetters);

            await delivery.RejectAsync(requeue: false);

            TransportMessage dead = Assert.Single(transport.Broker.DeadLetters);
            Assert.Equal("poison", Encoding.UTF8.GetString(dead.Body.Span));
            Assert.Equal(0, transport.Broker.CountReady("work"));

            // Settling twice changes nothing.
            await delivery.RejectAsync(requeue: false);
            Assert.Single(transport.Broker.DeadLetters);
        }
    }

    [Fact]
    public async Task RejectWithRequeueRedeliversMarkedRedelivered()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "again"), CancellationToken.None);

        var deliveries = Channel();
        await using (await transport.ConsumeAsync("work", 1, autoAck: false, deliveries.Handler, CancellationToken.None))
        {
            Delivery first = await deliveries.NextAsync();
            Assert.False(first.Redelivered);
            await first.RejectAsync(requeue: true);

            Delivery second = await deliveries.NextAsync();
            Assert.True(second.Redelivered);
            Assert.Equal("again", Body(second));
            await second.AckAsync();
        }

        Assert.Empty(transport.Broker.DeadLetters);
        Assert.Equal(0, transport.Broker.CountReady("work"));
    }

    [Fact]
    public async Task PrefetchHoldsTheNextMessageUntilTheFirstIsAcked()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "first"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "second"), CancellationToken.None);

        var firstReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondReceived = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask Handle(Delivery delivery)
        {
            if (!firstReceived.TrySetResult(delivery))
            {
                secondReceived.TrySetResult(delivery);
            }

            return ValueTask.CompletedTask;
        }

        await using (await transport.ConsumeAsync("work", 1, autoAck: false, Handle, CancellationToken.None))
        {
            Delivery first = await firstReceived.Task.WaitAsync(s_hangGuard);
            Assert.Equal("first", Body(first));
            Assert.False(secondReceived.Task.IsCompleted);
            Assert.Equal(1, transport.Broker.CountReady("work"));

            await first.AckAsync();

            Delivery second = await secondReceived.Task.WaitAsync(s_hangGuard);
            Assert.Equal("second", Body(second));
            await second.AckAsync();
        }
    }

    [Fact]
    public async Task AutoAckDoesNotWaitForAcks()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("replies"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "replies", "first"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "replies", "second"), CancellationToken.None);

        var deliveries = Channel();
        await using (await transport.ConsumeAsync("replies", 1, autoAck: true, deliveries.Handler, CancellationToken.None))
        {
            Assert.Equal("first", Body(await deliveries.NextAsync()));
            Assert.Equal("second", Body(await deliveries.NextAsync()));
        }
    }

    [Fact]
    public async Task PurgeEmptiesTheQueue()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        for (int i = 0; i < 3; i++)
        {
            await transport.PublishAsync(Message(string.Empty, "work", "m"), CancellationToken.None);
        }

        Assert.Equal(3u, await transport.PurgeAsync("work", CancellationToken.None));
        Assert.Equal(0, transport.Broker.CountReady("work"));
        Assert.Equal((0u, 0u), await transport.InspectQueueAsync("work", CancellationToken.None));
        Assert.Equal(0u, await transport.PurgeAsync("work", CancellationToken.None));
        Assert.Equal(0u, await transport.PurgeAsync("missing", CancellationToken.None));
    }

    [Fact]
    public async Task InspectQueueReportsMessagesAndConsumers()
    {
        InMemoryTransport transport = NewTransport();
        Assert.Null(await transport.InspectQueueAsync("work", CancellationToken.None));

        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "m"), CancellationToken.None);
        Assert.Equal((1u, 0u), await transport.InspectQueueAsync("work", CancellationToken.None));

        static ValueTask Ignore(Delivery delivery) => ValueTask.CompletedTask;
        IAsyncDisposable one = await transport.ConsumeAsync("work", 1, autoAck: false, Ignore, CancellationToken.None);
        IAsyncDisposable two = await transport.ConsumeAsync("work", 1, autoAck: false, Ignore, CancellationToken.None);
        Assert.Equal(2u, (await transport.InspectQueueAsync("work", CancellationToken.None))?.Consumers);

        await one.DisposeAsync();
        Assert.Equal(1u, (await transport.InspectQueueAsync("work", CancellationToken.None))?.Consumers);
        await two.DisposeAsync();
        Assert.Equal(0u, (await transport.InspectQueueAsync("work", CancellationToken.None))?.Consumers);
    }

    [Fact]
    public async Task ConsumeAMissingQueueThrows()
    {
        InMemoryTransport transport = NewTransport();
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await transport.ConsumeAsync("missing", 1, autoAck: false, static _ => ValueTask.CompletedTask, CancellationToken.None));
        Assert.Contains("'missing'", error.Message);
    }

    [Fact]
    public void NamedReturnsTheSameBrokerForTheSameName()
    {
        string name = Guid.NewGuid().ToString();
        Assert.Same(InMemoryBroker.Named(name), InMemoryBroker.Named(name));
        Assert.NotSame(InMemoryBroker.Named(name), InMemoryBroker.Named(Guid.NewGuid().ToString()));
    }

    // ---- helpers ----

    [Theory]
    [InlineData("worker.#", "worker.heartbeat", true)]
    [InlineData("worker.#", "worker", true)]
    [InlineData("task.*", "task.succeeded", true)]
    [InlineData("task.*", "task.a.b", false)]
    [InlineData("#", "anything.at.all", true)]
    [InlineData("worker.online", "worker.offline", false)]
    public async Task TopicExchangeRoutesByPattern(string bindingKey, string routingKey, bool routed)
    {
        InMemoryTransport transport = NewTransport();
        await transport.DeclareExchangeAsync(new ExchangeSpecification("events", ExchangeKind.Topic), CancellationToken.None);
        string queue = await transport.DeclareQueueAsync(new QueueSpecification(null), CancellationToken.None);
        await transport.BindQueueAsync(queue, "events", bindingKey, CancellationToken.None);

        await transport.PublishAsync(new TransportMessage("events", routingKey, new MessageProperties(), new Dictionary<string, object?>(), Array.Empty<byte>()) { Mandatory = false }, CancellationToken.None);

        Assert.Equal(routed ? 1 : 0, transport.Broker.CountReady(queue));
    }

    [Fact]
    public async Task DisposingAConsumerRequeuesWhatItNeverSettled()
    {
        InMemoryTransport transport = NewTransport();
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("work"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "work", "held"), CancellationToken.None);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        ITransportConsumer consumer = await transport.ConsumeAsync("work", 1, autoAck: false, _ =>
        {
            delivered.TrySetResult();
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        await delivered.Task.WaitAsync(s_hangGuard);
        Assert.Equal(0, transport.Broker.CountReady("work"));
        await consumer.DisposeAsync();

        Assert.Equal(1, transport.Broker.CountReady("work"));
    }

    [Fact]
    public async Task ConsumeAHandlerThatThrowsIsLoggedAndTheNextDeliveryIsHandled()
    {
        var log = new TaskGen.Tests.EndToEnd.CapturedLog();
        var transport = new InMemoryTransport(new InMemoryBroker(), log.CreateLogger("TaskGen.Transport"));
        await TaskQueueTopology.DeclareAsync(transport, new QueueDeclaration("alpha"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "alpha", "poison"), CancellationToken.None);
        await transport.PublishAsync(Message(string.Empty, "alpha", "fine"), CancellationToken.None);

        var received = new TaskCompletionSource<Delivery>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await transport.ConsumeAsync("alpha", 10, autoAck: true, delivery =>
        {
            if (Body(delivery) == "poison")
            {
                throw new InvalidOperationException("the handler broke");
            }

            received.TrySetResult(delivery);
            return ValueTask.CompletedTask;
        }, CancellationToken.None))
        {
            Assert.Equal("fine", Body(await received.Task.WaitAsync(s_hangGuard)));
        }

        Assert.Single(log.Messages("TaskGen.Transport", Microsoft.Extensions.Logging.LogLevel.Error));
    }

    private static InMemoryTransport NewTransport() => new(InMemoryBroker.Named(Guid.NewGuid().ToString()));

    private static async Task<string> DeclareBoundAsync(InMemoryTransport transport, string queue, string exchange)
    {
        string name = await transport.DeclareQueueAsync(new QueueSpecification(queue, Durable: false, Exclusive: true, AutoDelete: true), CancellationToken.None);
        await transport.BindQueueAsync(name, exchange, string.Empty, CancellationToken.None);
        return name;
    }

    private static TransportMessage Message(string exchange, string routingKey, string body) =>
        new(exchange, routingKey, new MessageProperties { ContentType = "application/json" }, new Dictionary<string, object?>(), Encoding.UTF8.GetBytes(body));

    private static string Body(Delivery delivery) => Encoding.UTF8.GetString(delivery.Message.Body.Span);

    /// <summary>A handler that hands the first delivery to <paramref name="received"/> and holds it unsettled.</summary>
    private static Func<Delivery, ValueTask> Collect(TaskCompletionSource<Delivery> received) => delivery =>
    {
        received.TrySetResult(delivery);
        return ValueTask.CompletedTask;
    };

    private static DeliveryChannel Channel() => new();

    /// <summary>Collects deliveries in order, to await them one by one.</summary>
    private sealed class DeliveryChannel
    {
        private readonly System.Threading.Channels.Channel<Delivery> _deliveries = System.Threading.Channels.Channel.CreateUnbounded<Delivery>();

        public ValueTask Handler(Delivery delivery)
        {
            _deliveries.Writer.TryWrite(delivery);
            return ValueTask.CompletedTask;
        }

        public async Task<Delivery> NextAsync() => await _deliveries.Reader.ReadAsync().AsTask().WaitAsync(s_hangGuard);
    }
}
