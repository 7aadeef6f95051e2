using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Fuzzing;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Remote = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Worker;

/// <summary>
/// Hostile messages through a worker's whole delivery path on <c>memory://</c>: every one is settled, no
/// exception escapes (the in-memory consumer loop would die, and the last valid task would go unanswered),
/// nothing is left unobserved, and memory stays bounded.
/// </summary>
[Collection(Name)]
public sealed class DeliveryFuzzTests
{
    /// <summary>Run alone: unobserved task exceptions are reported process-wide, so other tests' would be counted too.</summary>
    public const string Name = "Delivery fuzz";

    private const int Inputs = 20_000;
    private const int Seed = 20_261_124;
    private const string Replies = "fuzz.replies";
    private const long MemoryGrowthBound = 128L * 1024 * 1024;

    [Fact]
    public async Task TheWorkerSettlesEveryFuzzedMessageAndStillAnswers()
    {
        // Finalize what earlier tests left behind before listening, so only this run's tasks are counted.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var unobserved = new List<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> record = (_, e) =>
        {
            lock (unobserved)
            {
                unobserved.Add(e.Exception);
            }
        };
        TaskScheduler.UnobservedTaskException += record;
        try
        {
            string name = Guid.NewGuid().ToString("N");
            var transport = new SettlementCountingTransport(new InMemoryTransport(InMemoryBroker.Named(name)), "celery");
            await using TaskApp app = TaskApp.Create(b =>
            {
                b.Options.BrokerUrl = "memory://" + name;
                b.Transport = transport;
                b.AddTaskGenTestsTasks();
            });
            await using TaskGen.Worker.TaskWorker worker = app.CreateWorker(new TaskGen.Worker.WorkerOptions { Queues = ["celery"], Concurrency = 4, NodeName = "fuzz@unit" });
            await worker.StartAsync();
            await app.Transport.DeclareQueueAsync(new QueueSpecification(Replies), CancellationToken.None);
            long baseline = GC.GetTotalMemory(forceFullCollection: true);

            var fuzzer = new TaskMessageFuzzer(Seeds(), Seed);
            for (int i = 0; i < Inputs; i++)
            {
                await app.Transport.PublishAsync(fuzzer.Next(), CancellationToken.None);
                if (i % 1_000 == 999)
                {
                    // In batches, so the replies the worker sends do not pile up.
                    await Eventually.WaitFor(() => transport.Settled == i + 1, $"the first {i + 1} fuzzed messages to be settled");
                    await app.Transport.PurgeAsync(Replies, CancellationToken.None);
                }
            }

            Assert.Equal(Inputs, transport.Settled);
            Assert.Equal(0, InMemoryBroker.Named(name).CountReady("celery"));
            Assert.Equal(3, await app.Send(Remote.TestTasks.Add.Signature(1, 2)).GetAsync(MemoryEnvironment.Guard));

            long growth = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            Assert.True(growth < MemoryGrowthBound, $"Managed memory grew by {growth} bytes over {Inputs} fuzzed messages.");
        }
        finally
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            TaskScheduler.UnobservedTaskException -= record;
        }

        Assert.Empty(unobserved);
    }

    [Fact]
    public void TheFuzzerRepeatsItselfForOneSeedAndVariesAcrossSeeds()
    {
        static string Fingerprint(int seed)
        {
            var fuzzer = new TaskMessageFuzzer(Seeds(), seed);
            var parts = new List<string>();
            for (int i = 0; i < 50; i++)
            {
                TransportMessage message = fuzzer.Next();
                parts.Add(Convert.ToBase64String(message.Body.Span) + "|" + message.Properties.ContentType + "|" + message.Headers.Count);
            }

            return string.Join("\n", parts);
        }

        Assert.Equal(Fingerprint(1), Fingerprint(1));
        Assert.NotEqual(Fingerprint(1), Fingerprint(2));
    }

    /// <summary>Valid messages for tasks that return at once, as the producer encodes them.</summary>
    internal static List<TransportMessage> Seeds()
    {
        Signature[] calls =
        [
            Remote.TestTasks.Add.Signature(2, 3),
            Remote.TestTasks.Divide.Signature(1.5, 0.5),
            Remote.TestTasks.Greet.Signature("Ada", "Hi"),
            Remote.TestTasks.Midpoint.Signature(new Point(0, 0), new Point(2, 4)),
            Remote.TestTasks.Counts.Signature(new Dictionary<string, List<int>> { ["a"] = [1, 2] }, DateTimeOffset.UnixEpoch, Guid.Empty, 1.5m),
        ];
        var seeds = new List<TransportMessage>();
        foreach (Signature call in calls)
        {
            seeds.Add(TaskMessageCodec.Encode(new TaskEnvelope
            {
                Id = Guid.NewGuid().ToString(),
                Name = call.Task.Name,
                Arguments = call.Arguments,
                RoutingKey = "celery",
                ReplyTo = Replies,
                Origin = "fuzz@unit",
                TimeLimit = (TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)),
            }));
        }

        return seeds;
    }

    /// <summary>Counts how the consumers of one queue settle their deliveries: acknowledged, or rejected for good (and then dropped).</summary>
    private sealed class SettlementCountingTransport(ITransport inner, string queue) : ForwardingTransport(inner)
    {
        private int _settled;

        public int Settled => Volatile.Read(ref _settled);

        public override ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken) =>
            consumer.Queue == queue
                ? base.ConsumeAsync(consumer with { Handler = delivery => consumer.Handler(new CountedDelivery(delivery, this)) }, cancellationToken)
                : base.ConsumeAsync(consumer, cancellationToken);

        private sealed class CountedDelivery(Delivery inner, SettlementCountingTransport owner) : Delivery(inner.Message, inner.Queue, inner.Redelivered)
        {
            private int _done;

            public override async ValueTask AckAsync()
            {
                await inner.AckAsync();
                Count();
            }

            public override async ValueTask RejectAsync(bool requeue)
            {
                if (requeue)
                {
                    await inner.RejectAsync(requeue: true);
                    return;
                }

                // Dropped as a broker without a dead-letter policy drops it: the in-memory broker would keep
                // every rejected message, and the memory bound is about what the worker keeps.
                await inner.AckAsync();
                Count();
            }

            public override System.Threading.CancellationToken Lost => inner.Lost;

            public override ValueTask HoldAsync() => inner.HoldAsync();

            private void Count()
            {
                if (Interlocked.Exchange(ref _done, 1) == 0)
                {
                    Interlocked.Increment(ref owner._settled);
                }
            }
        }
    }
}

/// <summary>Keeps the delivery fuzz test from running beside others.</summary>
[CollectionDefinition(DeliveryFuzzTests.Name, DisableParallelization = true)]
public sealed class DeliveryFuzzCollection;
