using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Monitor.State;
using TaskGen.Tests.Transport;
using TaskGen.Transport;

namespace TaskGen.Monitor.Tests.State;

/// <summary>The event consumer comes back after its transport gives up on it, and says it is down meanwhile.</summary>
public sealed class EventConsumerTests
{
    [Fact]
    public async Task AConsumerTheTransportGaveUpOnIsStartedAgain()
    {
        var transport = new RecordingTransport(new InMemoryTransport(InMemoryBroker.Named("monitor-consumer-" + Guid.NewGuid().ToString("N"))));
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://";
            b.Transport = transport;
        });
        var store = new MonitorStore(new MonitorOptions());
        using var consumer = new MonitorEventConsumer(app, store, NullLogger<MonitorEventConsumer>.Instance);
        await consumer.StartAsync(CancellationToken.None);
        try
        {
            await Until(() => transport.Consumers.Count == 1, "the first consumer");
            Assert.False(consumer.Down);

            transport.Consumers[0].Failed!(new InvalidOperationException("consumer lost after 12 restarts"));

            await Until(() => transport.Consumers.Count == 2, "a second consumer after the first was given up");
            await Until(() => !consumer.Down, "the consumer to be up again");
        }
        finally
        {
            await consumer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        // A guard against a hang, not a measurement: the retry waits one second.
        var guard = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(guard.Elapsed < TimeSpan.FromSeconds(30), "Waited 30 s for " + what);
            await Task.Delay(20);
        }
    }

    private sealed class RecordingTransport(InMemoryTransport inner) : ForwardingTransport(inner)
    {
        private readonly List<ConsumerSpecification> _consumers = [];

        public IReadOnlyList<ConsumerSpecification> Consumers
        {
            get
            {
                lock (_consumers)
                {
                    return [.. _consumers];
                }
            }
        }

        public override ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken)
        {
            if (consumer.Queue.StartsWith("celeryev.", StringComparison.Ordinal))
            {
                lock (_consumers)
                {
                    _consumers.Add(consumer);
                }
            }

            return base.ConsumeAsync(consumer, cancellationToken);
        }
    }
}
