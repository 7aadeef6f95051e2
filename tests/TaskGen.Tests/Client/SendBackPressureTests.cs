using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;

namespace TaskGen.Tests.Client;

/// <summary>
/// <see cref="TaskApp.Send(Signature)"/> and <see cref="TaskApp.Broadcast(Signature)"/> keep at most <see cref="TaskAppOptions.ProducerMaxPendingPublishes"/>
/// publishes in flight; past that it holds its caller until one finishes. Proven by counting publishes a
/// transport holds open, never by timing.
/// </summary>
public sealed class SendBackPressureTests
{
    private const int Limit = 4;
    private const int Sends = 12;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendHoldsItsCallerOnceTheLimitOfPublishesIsInFlight(bool broadcast)
    {
        string name = Guid.NewGuid().ToString("N");
        var transport = new GatedTransport(new InMemoryTransport(InMemoryBroker.Named(name)));
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://" + name;

            // A broadcast collects its replies through a backend, so it needs one; a plain send is held either way.
            b.Options.ResultBackend = broadcast ? "rpc://" : "none";
            b.Options.ProducerMaxPendingPublishes = Limit;
            b.Transport = transport;
            b.AddTaskGenTestsTasks();
        });

        int returned = 0;
        var sender = new Thread(() =>
        {
            for (int i = 0; i < Sends; i++)
            {
                if (broadcast)
                {
                    app.Broadcast(EndToEnd.Remote.TestTasks.Hello.Signature("hi"));
                }
                else
                {
                    app.Send(EndToEnd.Remote.TestTasks.Add.Signature(i, i));
                }

                Interlocked.Increment(ref returned);
            }
        });
        sender.Start();

        // Without a bound the sender finishes with every publish held open; with one it waits for a slot.
        await Eventually.WaitFor(
            () => !sender.IsAlive || (transport.InFlight == Limit && (sender.ThreadState & ThreadState.WaitSleepJoin) != 0),
            "the sender to finish or to wait with the limit in flight");

        Assert.True(sender.IsAlive, $"Send returned {Volatile.Read(ref returned)} times with {transport.InFlight} publishes held open.");
        Assert.Equal(Limit, transport.InFlight);
        Assert.Equal(Limit, Volatile.Read(ref returned));

        transport.Open();
        sender.Join();
        await Eventually.WaitFor(() => transport.Completed == Sends, "every publish to complete");

        Assert.Equal(Limit, transport.MaxInFlight);
        if (!broadcast)
        {
            Assert.Equal(Sends, InMemoryBroker.Named(name).CountReady("celery"));
        }
    }

    /// <summary>Holds every task publish open until <see cref="Open"/>, counting how many are in flight at once.</summary>
    private sealed class GatedTransport(ITransport inner) : ForwardingTransport(inner)
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _maxInFlight;
        private int _completed;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Completed => Volatile.Read(ref _completed);

        public void Open() => _gate.TrySetResult();

        public override async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            int now = Interlocked.Increment(ref _inFlight);
            for (int max = MaxInFlight; now > max; max = MaxInFlight)
            {
                Interlocked.CompareExchange(ref _maxInFlight, now, max);
            }

            try
            {
                await _gate.Task.ConfigureAwait(false);
                await base.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _completed);
            }
        }
    }
}
