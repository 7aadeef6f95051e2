using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Transport;

/// <summary>
/// A consumer whose channel is replaced while deliveries of the old one still trickle in and run: each channel's
/// deliveries are settled in that channel's own ack book, a dead channel's late deliveries are dropped, and no
/// multiple ack on the new channel covers a tag that still runs.
/// </summary>
public sealed class ConsumerChannelLifeTests
{
    [Fact]
    public async Task TwoChannelsKeepTheirAcksApartAndADeadChannelsLateDeliveriesAreDropped()
    {
        var handled = new List<(IChannel Channel, ulong Tag, Delivery Delivery)>();
        IChannel? current = null;
        var specification = new ConsumerSpecification("work", delivery =>
        {
            lock (handled)
            {
                handled.Add((current!, ((ulong)handled.Count(h => h.Channel == current)) + 1, delivery));
            }

            return ValueTask.CompletedTask;
        })
        { Prefetch = 8, AckBatchSize = 4 };
        var connection = new RabbitMqConnection(new ConnectionFactory(), "amqp://test", "test (consuming)", "consuming", NullLogger.Instance);
        var consumer = new RabbitMqConsumer(connection, specification);

        // Channel A delivers tags 1-3 and is lost; channel B takes over and delivers tags 1-2.
        FakeChannel a = FakeChannel.Create();
        FakeChannel b = FakeChannel.Create();
        current = a.Channel;
        consumer.BeginLife(a.Channel);
        var fromA = new RabbitMqConsumer.Subscriber(consumer, a.Channel);
        for (ulong tag = 1; tag <= 3; tag++)
        {
            await DeliverAsync(fromA, tag);
        }

        current = b.Channel;
        consumer.BeginLife(b.Channel);
        var fromB = new RabbitMqConsumer.Subscriber(consumer, b.Channel);
        await DeliverAsync(fromB, 1);
        await DeliverAsync(fromB, 2);

        // What RabbitMQ.Client had buffered for A still arrives after B began: it must not run.
        current = a.Channel;
        await DeliverAsync(fromA, 4);
        Assert.Equal(5, handled.Count);

        // A's deliveries finish after its loss, B's second before its first.
        Delivery[] ofA = [.. handled.Where(h => h.Channel == a.Channel).Select(h => h.Delivery)];
        Delivery[] ofB = [.. handled.Where(h => h.Channel == b.Channel).Select(h => h.Delivery)];
        Assert.All(ofA, d => Assert.True(d.Lost.IsCancellationRequested));
        Assert.All(ofB, d => Assert.False(d.Lost.IsCancellationRequested));
        foreach (Delivery delivery in ofA)
        {
            await delivery.AckAsync();
        }

        await ofB[1].AckAsync();
        long firstFinishedAt = b.Frames.Count;
        await ofB[0].AckAsync();
        await consumer.DisposeAsync();

        Assert.Empty(a.Frames);
        Ack[] acks = [.. b.Frames];

        // Until tag 1 finished, nothing on B may name it, alone or under a multiple ack.
        Assert.DoesNotContain(acks.Take((int)firstFinishedAt), ack => ack.Tag == 1 || ack.Multiple);
        Assert.Equal([1UL, 2UL], Covered(acks));
    }

    private static Task DeliverAsync(RabbitMqConsumer.Subscriber subscriber, ulong tag) =>
        subscriber.HandleBasicDeliverAsync("ctag", tag, false, string.Empty, "work", new BasicProperties { ContentType = "application/json" }, "[]"u8.ToArray());

    /// <summary>The tags a sequence of acks settles, each once; a multiple ack settles every unsettled tag up to its own.</summary>
    private static ulong[] Covered(IEnumerable<Ack> acks)
    {
        var covered = new SortedSet<ulong>();
        foreach (Ack ack in acks)
        {
            if (!ack.Multiple)
            {
                Assert.True(covered.Add(ack.Tag), $"tag {ack.Tag} acknowledged twice");
                continue;
            }

            for (ulong tag = 1; tag <= ack.Tag; tag++)
            {
                covered.Add(tag);
            }
        }

        return [.. covered];
    }

    private readonly record struct Ack(ulong Tag, bool Multiple);

    /// <summary>An open channel that records the acks written on it and answers everything else with nothing.</summary>
    private class FakeChannel : DispatchProxy
    {
        public ConcurrentQueue<Ack> Frames { get; } = new();

        public IChannel Channel { get; private set; } = null!;

        public static FakeChannel Create()
        {
            IChannel channel = Create<IChannel, FakeChannel>();
            var fake = (FakeChannel)(object)channel;
            fake.Channel = channel;
            return fake;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod?.Name)
            {
                case "BasicAckAsync":
                    Frames.Enqueue(new Ack((ulong)args![0]!, (bool)args[1]!));
                    return ValueTask.CompletedTask;
                case "get_IsOpen":
                    return true;
                case "get_IsClosed":
                    return false;
            }

            Type returns = targetMethod?.ReturnType ?? typeof(void);
            return returns == typeof(Task) ? Task.CompletedTask
                : returns == typeof(ValueTask) ? ValueTask.CompletedTask
                : returns.IsValueType && returns != typeof(void) ? Activator.CreateInstance(returns)
                : null;
        }
    }
}
