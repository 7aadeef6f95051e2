using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The dead-letter tools at the edges: reading the dead-letter queue over and over never wears its messages out
/// against a delivery limit, and a replay of every message across a dropped connection replays each one once or
/// says which it could not settle.
/// </summary>
public sealed class DeadLetterFaultTests(RabbitMqFixture broker, ITestOutputHelper log) : IntegrationTest(broker)
{
    [Fact]
    public async Task ListingTheDeadLettersTwentyFiveTimesUnderADeliveryLimitOfTwentyLosesNone()
    {
        string[] ids = await DeadLetterAsync(5);
        await Broker.CtlAsync("set_policy", "taskgen-dead-limit", "^taskgen\\.dead$", "{\"delivery-limit\":20}", "--apply-to", "queues");
        try
        {
            // A monitoring cron's worth of reads: the quorum queue drops a message returned more than 20 times.
            for (int run = 1; run <= 25; run++)
            {
                (int code, string output) = await DeadLettersAsync("list");
                Assert.True(code == 0, $"list run {run} exited {code}:\n{output}");
            }

            uint left = await ReadyAsync(RabbitMqFixture.DeadLetters);
            (int listCode, string json) = await DeadLettersAsync("list", "--json");
            Assert.Equal(0, listCode);
            string[] listed = [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(letter => letter.GetProperty("id").GetString()!)];
            log.WriteLine($"{left} of {ids.Length} dead letters left after 25 list runs.");
            Assert.True(left == ids.Length, $"{ids.Length - (int)left} of {ids.Length} dead letters were lost after 25 list runs.");
            Assert.Equal(ids, listed);
        }
        finally
        {
            await Broker.CtlAsync("clear_policy", "taskgen-dead-limit");
        }
    }

    [Fact]
    public async Task ReplayingEveryDeadLetterAcrossADroppedConnectionReplaysEachOnceOrReportsIt()
    {
        const int Count = 500;
        string[] ids = await DeadLetterAsync(Count);

        // The tool reaches the broker through a proxy the test can cut, as a network drop would: rabbitmqctl takes
        // longer to start than the tool takes to replay 500 messages.
        await using DroppingProxy proxy = DroppingProxy.Start(new Uri(Broker.Url));
        await using ProgramProcess replay = ProgramProcess.Start(CeleryAppProgram, "deadletters", "replay", "--all", "--broker", proxy.Url);
        await Poll.UntilAsync(() => ReadyAsync(RabbitMqFixture.DeadLetters), n => n <= Count / 2, "the replay to be halfway", TimeSpan.FromMilliseconds(2));
        int dropped = proxy.DropAll();
        uint leftAtDrop = await ReadyAsync(RabbitMqFixture.DeadLetters);
        await replay.WaitForExitAsync();
        string output = string.Join("\n", replay.Lines);
        // The tool's consuming and publishing connections both pass through the proxy.
        Assert.True(dropped is 1 or 2 && leftAtDrop > 0, $"The fault was not injected: {dropped} connection(s) dropped with {leftAtDrop} messages left. Output:\n{output}");

        Dictionary<string, int> replayed = await DrainAsync("work");
        Dictionary<string, int> dead = await DrainAsync(RabbitMqFixture.DeadLetters);
        string[] twice = [.. ids.Where(id => replayed.GetValueOrDefault(id) > 1)];
        string[] lost = [.. ids.Where(id => !replayed.ContainsKey(id) && !dead.ContainsKey(id))];
        string[] deadTwice = [.. ids.Where(id => dead.GetValueOrDefault(id) > 1)];
        string[] bothUnreported = [.. ids.Where(id => replayed.ContainsKey(id) && dead.ContainsKey(id) && !output.Contains(id, StringComparison.Ordinal))];
        string summary = $"{twice.Length} replayed twice, {lost.Length} lost, {deadTwice.Length} twice in {RabbitMqFixture.DeadLetters}, "
            + $"{bothUnreported.Length} in both queues without a word; exit {replay.ExitCode}, {dead.Count} left ({string.Join(", ", dead.Keys.Take(5).Select(id => $"{id}: {(replayed.ContainsKey(id) ? "replayed too" : "not replayed")}"))}). Output:\n{output}";
        log.WriteLine($"Dropped with {leftAtDrop} of {Count} left: {summary[..summary.IndexOf(" Output:", StringComparison.Ordinal)]}");
        Assert.True(twice.Length == 0 && lost.Length == 0 && deadTwice.Length == 0 && bothUnreported.Length == 0, summary);

        // Success only when nothing is left; otherwise the last line says how many stayed.
        int left = dead.Values.Sum();
        Assert.True(left == 0 ? replay.ExitCode == 0 : replay.ExitCode != 0 && output.Contains($"{left} left there", StringComparison.Ordinal), summary);
    }

    private Task<(int ExitCode, string Output)> DeadLettersAsync(params string[] arguments) =>
        ProgramProcess.RunAsync(CeleryAppProgram, ["deadletters", .. arguments, "--broker", Broker.Url]);

    /// <summary>
    /// Publishes <paramref name="count"/> tasks to 'work' and rejects each without requeue, so the broker dead-letters
    /// them into taskgen.dead with its own x-death headers, as it does a worker's rejections; returns their ids in order.
    /// </summary>
    private async Task<string[]> DeadLetterAsync(int count)
    {
        string[] ids = [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString())];

        // As a worker on 'work' declares it; the node's policy dead-letters what is rejected there.
        await App.Transport.DeclareQueueAsync(new QueueSpecification("work"), CancellationToken.None);
        foreach (string id in ids)
        {
            await App.Transport.PublishAsync(UnknownTask(id), CancellationToken.None);
        }

        await using (IQueueReader reader = await App.Transport.OpenReaderAsync("work", CancellationToken.None))
        {
            for (int i = 0; i < count; i++)
            {
                Delivery delivery = await reader.GetAsync(CancellationToken.None) ?? throw new InvalidOperationException($"'work' had {i} of the {count} tasks published to it.");
                await delivery.RejectAsync(requeue: false);
            }
        }

        await Poll.UntilAsync(() => ReadyAsync(RabbitMqFixture.DeadLetters), n => n == count, $"{count} tasks to be dead-lettered");
        return ids;
    }

    /// <summary>Takes every message out of <paramref name="queue"/> and counts them by task id.</summary>
    private async Task<Dictionary<string, int>> DrainAsync(string queue)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await using IQueueReader reader = await App.Transport.OpenReaderAsync(queue, CancellationToken.None);
        while (await reader.GetAsync(CancellationToken.None) is { } delivery)
        {
            string id = TaskMessageCodec.HeaderString(delivery.Message.Headers, "id") ?? "(none)";
            counts[id] = counts.GetValueOrDefault(id) + 1;
            await delivery.AckAsync();
        }

        return counts;
    }

    private static TransportMessage UnknownTask(string id)
    {
        var headers = new Dictionary<string, object?>
        {
            ["lang"] = "py",
            ["task"] = "tests.unknown",
            ["id"] = id,
            ["root_id"] = id,
            ["retries"] = 0,
            ["argsrepr"] = "()",
            ["kwargsrepr"] = "{}",
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id, DeliveryMode = 2 };
        return new TransportMessage(string.Empty, "work", properties, headers, Encoding.UTF8.GetBytes("[[], {}, null]"));
    }

    /// <summary>
    /// A TCP relay to the broker that can drop every connection through it at once, as a network fault does; it keeps
    /// accepting, so the client's recovery reconnects through it.
    /// </summary>
    private sealed class DroppingProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentDictionary<TcpClient, TcpClient> _open = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Uri _broker;
        private Task _accepting = Task.CompletedTask;

        private DroppingProxy(Uri broker) => _broker = broker;

        /// <summary>The broker URL through the relay.</summary>
        public string Url => new UriBuilder(_broker) { Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri.ToString();

        public static DroppingProxy Start(Uri broker)
        {
            var proxy = new DroppingProxy(broker);
            proxy._listener.Start();
            proxy._accepting = proxy.AcceptAsync();
            return proxy;
        }

        /// <summary>Resets every open connection, both ways, and says how many there were.</summary>
        public int DropAll()
        {
            int dropped = 0;
            foreach (TcpClient client in _open.Keys)
            {
                if (_open.TryRemove(client, out TcpClient? upstream))
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    upstream.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    upstream.Dispose();
                    dropped++;
                }
            }

            return dropped;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            DropAll();
            await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(_broker.Host, _broker.Port, _stop.Token);
                _open[client] = upstream;
                _ = RelayAsync(client, upstream);
            }
        }

        private async Task RelayAsync(TcpClient client, TcpClient upstream)
        {
            try
            {
                await Task.WhenAny(client.GetStream().CopyToAsync(upstream.GetStream()), upstream.GetStream().CopyToAsync(client.GetStream()));
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                if (_open.TryRemove(client, out _))
                {
                    client.Dispose();
                    upstream.Dispose();
                }
            }
        }
    }
}
