using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Protocol;
using TaskGen.Scheduling;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests.Scheduling;

/// <summary>The broker's election and state for schedulers, on the private broker.</summary>
public sealed class BeatElectionTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Fence = TimeSpan.FromSeconds(0.5);

    [Fact]
    public async Task Three_elections_have_one_leader_at_a_time_and_a_closed_leader_is_replaced_only_after_the_fence()
    {
        var options = new SchedulerOptions { Name = "election-" + Guid.NewGuid().ToString("N")[..8], LeaseDuration = Lease, FenceMargin = Fence };
        string run = Guid.NewGuid().ToString("N")[..8];
        var contenders = new List<Contender>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                // Each on its own connections, named so that the test can close one contender's and no other's.
                string client = $"TaskGen beat-{run}-{i}";
                var transport = new RabbitMqTransport(Broker.Url, client, NullLoggerFactory.Instance);
                var election = new RabbitMqBeatElection(transport, options, TimeProvider.System, NullLogger.Instance);
                contenders.Add(new Contender($"beat-{i}@test", client, transport, election));
            }

            foreach (Contender contender in contenders)
            {
                contender.Run = contender.CampaignAsync(stop.Token);
            }

            // Samples every contender's Leads() from here to the end: two at once would be two senders.
            var overlaps = new ConcurrentQueue<string>();
            Task sampling = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    string[] leading = contenders.Where(c => c.Sample()).Select(c => c.Node).ToArray();
                    if (leading.Length > 1)
                    {
                        overlaps.Enqueue($"{DateTimeOffset.UtcNow:O}: {string.Join(", ", leading)}");
                    }

                    await Task.Delay(5);
                }
            });

            Contender first = (await Poll.UntilAsync(() => Task.FromResult(contenders.SingleOrDefault(c => c.Terms.Count > 0)), c => c is not null, "a first leader"))!;
            await Task.Delay(3 * Lease);
            Assert.Single(contenders, c => c.Terms.Count > 0);
            Assert.True(first.Sample(), "the first leader keeps its term while nothing happens");

            DateTimeOffset closing = DateTimeOffset.UtcNow;
            Assert.True(await Broker.CloseConnectionsNamedAsync(first.Client) >= 2, "the leader's consuming and publishing connections are closed");
            Contender second = (await Poll.UntilAsync(() => Task.FromResult(contenders.FirstOrDefault(c => c != first && c.Terms.Count > 0)), c => c is not null, "a second leader"))!;
            TermRecord old = first.Terms[0];
            TermRecord next = second.Terms[0];
            await stop.CancelAsync();
            await sampling;

            output.WriteLine($"closed {first.Node} at {closing:O}; its Leads() last true {old.LastLeading:O}, Lost at {old.LostAt:O}; {second.Node} leads from {next.Began:O} (epoch {old.Epoch} -> {next.Epoch})");
            Assert.Empty(overlaps);
            Assert.NotNull(old.LostAt);
            Assert.True(old.LastLeading < next.Began, $"the deposed leader stopped ({old.LastLeading:O}) before the next began ({next.Began:O})");
            Assert.True(next.Began - closing >= Lease + Fence, $"the next leader waited out the fence: {(next.Began - closing).TotalMilliseconds} ms after the close");
            Assert.True(next.Epoch > old.Epoch, "every term has a greater epoch");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (Contender contender in contenders)
            {
                await contender.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_leader_is_read_back_with_its_epoch_and_nobody_once_it_stops()
    {
        var options = new SchedulerOptions { Name = "leader-" + Guid.NewGuid().ToString("N")[..8], LeaseDuration = Lease, FenceMargin = Fence };
        var transport = new RabbitMqTransport(Broker.Url, "TaskGen beat-reader-" + options.Name, NullLoggerFactory.Instance);
        await using var contender = new Contender("beat-reader@test", "unused", transport, new RabbitMqBeatElection(transport, options, TimeProvider.System, NullLogger.Instance));
        await using var reader = new RabbitMqBeatElection(App.Transport, options, TimeProvider.System, NullLogger.Instance);
        Assert.Null(await reader.ReadLeaderAsync(CancellationToken.None));

        using var stop = new CancellationTokenSource();
        contender.Run = contender.CampaignAsync(stop.Token);
        await Poll.UntilAsync(() => Task.FromResult(contender.Terms.Count), count => count > 0, "a leader");
        BeatLeaderInfo leader = (await Poll.UntilAsync(async () => await reader.ReadLeaderAsync(CancellationToken.None), info => info is not null, "the leader's record"))!;
        Assert.Equal("beat-reader@test", leader.Node);
        Assert.Equal(1, leader.Epoch);

        // Renewed while it leads: still there after several leases.
        await Task.Delay(4 * Lease);
        Assert.NotNull(await reader.ReadLeaderAsync(CancellationToken.None));

        await stop.CancelAsync();
        await contender.DisposeAsync();
        await Poll.UntilAsync(async () => await reader.ReadLeaderAsync(CancellationToken.None), info => info is null, "the record to go stale");
    }

    [Fact]
    public async Task A_ticks_publish_records_it_in_its_last_value_queue_and_workers_never_see_the_bcc_header()
    {
        var options = new SchedulerOptions { Name = "state-" + Guid.NewGuid().ToString("N")[..8] };
        await using var state = new RabbitMqBeatState(App.Transport, options);
        var entry = new ScheduleEntry("adds", Jobs.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromSeconds(1)));
        Assert.Empty(await state.ReadLastTicksAsync([entry], CancellationToken.None));

        var first = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero);
        await SendTickAsync(state, entry, first);
        await SendTickAsync(state, entry, first.AddSeconds(1));

        // Read twice: reading takes nothing away, and only the newest tick is kept.
        for (int read = 0; read < 2; read++)
        {
            IReadOnlyDictionary<string, DateTimeOffset> last = await state.ReadLastTicksAsync([entry], CancellationToken.None);
            Assert.Equal(first.AddSeconds(1), last["adds"]);
        }

        Assert.Equal(1u, (await App.Transport.InspectQueueAsync(state.QueueOf("adds"), CancellationToken.None))?.Messages);

        // What a worker of queue 'work' receives: the tick header, and no BCC.
        var received = new ConcurrentQueue<TransportMessage>();
        ITransportConsumer consumer = await App.Transport.ConsumeAsync("work", 10, autoAck: true, delivery =>
        {
            received.Enqueue(delivery.Message);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        await using (consumer)
        {
            await Poll.UntilAsync(() => Task.FromResult(received.Count), count => count == 2, "both ticks in queue 'work'");
            await consumer.CancelAsync();
        }

        foreach (TransportMessage message in received)
        {
            Assert.False(message.Headers.ContainsKey(RabbitMqBeatState.BccHeader), "RabbitMQ removes BCC before delivery");
            Assert.StartsWith("adds|", Encoding.UTF8.GetString((byte[])message.Headers[BeatTicks.Header]!), StringComparison.Ordinal);
        }

        Assert.Equal(new[] { BeatTicks.TaskId("adds", first), BeatTicks.TaskId("adds", first.AddSeconds(1)) }, received.Select(m => m.Properties.CorrelationId ?? string.Empty).ToArray());
    }

    /// <summary>Sends a tick as the scheduler does: its task id and tick header, and what the state adds to record it.</summary>
    private async Task SendTickAsync(RabbitMqBeatState state, ScheduleEntry entry, DateTimeOffset tick)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [BeatTicks.Header] = BeatTicks.HeaderValue(entry.Name, tick) };
        state.PrepareTick(entry, tick, headers);
        await App.SendAsync(Jobs.Add.Signature(1, 2, new TaskOptions { TaskId = BeatTicks.TaskId(entry.Name, tick), Headers = headers, IgnoreResult = true }));
    }

    private sealed record TermRecord(long Epoch, DateTimeOffset Began)
    {
        public DateTimeOffset LastLeading { get; set; }

        public DateTimeOffset? LostAt { get; set; }
    }

    /// <summary>One scheduler's part in the election: acquires terms one after another and records them.</summary>
    private sealed class Contender(string node, string client, ITransport transport, RabbitMqBeatElection election) : IAsyncDisposable
    {
        private readonly List<TermRecord> _terms = [];
        private BeatTerm? _current;
        private bool _disposed;

        public string Node { get; } = node;

        public string Client { get; } = client;

        public Task? Run { get; set; }

        public IReadOnlyList<TermRecord> Terms
        {
            get
            {
                lock (_terms)
                {
                    return [.. _terms];
                }
            }
        }

        public async Task CampaignAsync(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    BeatTerm term = await election.AcquireAsync(Node, stop);
                    var record = new TermRecord(term.Epoch, DateTimeOffset.UtcNow) { LastLeading = DateTimeOffset.UtcNow };
                    lock (_terms)
                    {
                        _terms.Add(record);
                        _current = term;
                    }

                    var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    using (term.Lost.Register(() =>
                    {
                        record.LostAt = DateTimeOffset.UtcNow;
                        lost.TrySetResult();
                    }))
                    {
                        await lost.Task;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        /// <summary>Whether this contender leads now, as its term says right before a send; keeps the last time it did.</summary>
        public bool Sample()
        {
            lock (_terms)
            {
                if (_current is not { } term || !term.Leads())
                {
                    return false;
                }

                _terms[^1].LastLeading = DateTimeOffset.UtcNow;
                return true;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await election.DisposeAsync();
            if (Run is { } run)
            {
                await run;
            }

            await transport.DisposeAsync();
        }
    }
}
