using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Stubs = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Control;

/// <summary>
/// Two <c>add_consumer</c> requests for one queue at once: both open a consumer, one is kept, and what the other had
/// begun to run is run once and settled on it, not handed back to run a second time on the one kept.
/// </summary>
public sealed class AddConsumerRaceTests
{
    [Fact]
    public async Task TheConsumerThatLosesTheRaceSettlesWhatItTookAndEveryTaskRunsOnce()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
            b.Transport = new PairedConsumers(new InMemoryTransport(InMemoryBroker.Named(b.Options.BrokerUrl["memory://".Length..]))));
        string[] keys = [Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N")];
        AsyncResult<string> first = await env.App.SendAsync(Stubs.TestTasks.CountedGate.Signature(keys[0], new TaskOptions { Queue = "slow" }));
        AsyncResult<string> second = await env.App.SendAsync(Stubs.TestTasks.CountedGate.Signature(keys[1], new TaskOptions { Queue = "slow" }));

        // Each consumer has taken one message, whose task is running, before either is kept or dropped.
        bool[] added = await Task.WhenAll(
            Task.Run(() => env.Worker!.AddConsumerAsync("slow", CancellationToken.None)),
            Task.Run(() => env.Worker!.AddConsumerAsync("slow", CancellationToken.None)));
        Assert.Single(added, a => a);
        foreach (string key in keys)
        {
            await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);
            TestTasks.Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        Assert.Equal(keys[0], await first.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(keys[1], await second.GetAsync(MemoryEnvironment.Guard));
        await env.Worker!.StopAsync().WaitAsync(MemoryEnvironment.Guard);

        // A message handed back while its task ran is either run again or left waiting: neither may happen.
        Assert.Equal(0u, (await env.App.Transport.InspectQueueAsync("slow", CancellationToken.None))?.Messages);
        Assert.Equal(1, TestTasks.Runs[keys[0]]);
        Assert.Equal(1, TestTasks.Runs[keys[1]]);
    }

    /// <summary>
    /// Opens the first two consumers of <c>slow</c> one message wide and returns neither until each holds a delivery,
    /// so that whichever add_consumer loses has a task of its own running.
    /// </summary>
    private sealed class PairedConsumers(ITransport inner) : ForwardingTransport(inner)
    {
        private readonly TaskCompletionSource _firstHolds = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _secondHolds = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public override async ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken)
        {
            int call = consumer.Queue == "slow" ? Interlocked.Increment(ref _calls) : 0;
            if (call is not (1 or 2))
            {
                return await Inner.ConsumeAsync(consumer, cancellationToken);
            }

            TaskCompletionSource holds = call == 1 ? _firstHolds : _secondHolds;
            if (call == 2)
            {
                // Opened once the first is full, so the second message is left for it.
                await _firstHolds.Task.WaitAsync(MemoryEnvironment.Guard, cancellationToken);
            }

            ITransportConsumer started = await Inner.ConsumeAsync(
                consumer with
                {
                    Prefetch = 1,
                    Handler = delivery =>
                    {
                        holds.TrySetResult();
                        return consumer.Handler(delivery);
                    },
                },
                cancellationToken);
            await holds.Task.WaitAsync(MemoryEnvironment.Guard, cancellationToken);
            if (call == 1)
            {
                await _secondHolds.Task.WaitAsync(MemoryEnvironment.Guard, cancellationToken);
            }

            return started;
        }
    }
}
