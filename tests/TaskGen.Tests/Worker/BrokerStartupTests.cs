using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// A starting worker's wait for the broker: the waits double from the first delay up to the cap, each failed attempt
/// is one log line in Celery's words, it gives up after the configured retries with one message, and cancelling stops
/// the wait at once. Time is a fake clock, advanced by hand: nothing here waits for real.
/// </summary>
public sealed class BrokerStartupTests
{
    private const string Url = "amqp://guest:***@127.0.0.1:5999//";

    [Fact]
    public void TheWaitDoublesFromTheFirstDelayAndStopsAtTheCap()
    {
        TimeSpan[] waits = Enumerable.Range(1, 8).Select(retry => BrokerStartup.Delay(retry, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30))).ToArray();

        Assert.Equal(new[] { 2.0, 4, 8, 16, 30, 30, 30, 30 }, waits.Select(w => w.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), BrokerStartup.Delay(100_000, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ABrokerThatComesUpAfterThreeFailuresIsConnectedAfterThreeWaitsEachLogged()
    {
        var clock = new FakeTimeProvider();
        var broker = new FlakyBroker(failures: 3);
        var log = new CapturedLog();
        var options = new TaskAppOptions { BrokerConnectionRetryDelay = TimeSpan.FromSeconds(2), BrokerConnectionRetryMaxDelay = TimeSpan.FromSeconds(5) };

        Task connecting = BrokerStartup.ConnectAsync(broker, options, clock, log.CreateLogger("TaskGen.Worker"), CancellationToken.None);
        double[] waits = [2, 4, 5];
        for (int i = 0; i < waits.Length; i++)
        {
            double seconds = waits[i];
            await WaitForRetryLinesAsync(log, i + 1);
            Assert.False(connecting.IsCompleted);

            // Advancing by less than the wait does not start the next attempt; the rest of it does.
            int attempts = broker.Attempts;
            clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(attempts, broker.Attempts);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        await connecting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, broker.Attempts);
        Assert.Equal(
            [
                $"Cannot connect to RabbitMQ at {Url}: Connection refused. Trying again in 2.00 seconds... (1/100)",
                $"Cannot connect to RabbitMQ at {Url}: Connection refused. Trying again in 4.00 seconds... (2/100)",
                $"Cannot connect to RabbitMQ at {Url}: Connection refused. Trying again in 5.00 seconds... (3/100)",
            ],
            log.Messages("TaskGen.Worker"));
    }

    [Fact]
    public async Task AfterTheLastRetryItGivesUpWithOneMessageThatSaysWhatToDo()
    {
        var clock = new FakeTimeProvider();
        var broker = new FlakyBroker(failures: int.MaxValue);
        var log = new CapturedLog();
        var options = new TaskAppOptions { BrokerConnectionMaxRetries = 2 };

        Task connecting = BrokerStartup.ConnectAsync(broker, options, clock, log.CreateLogger("TaskGen.Worker"), CancellationToken.None);
        for (int i = 0; i < 2; i++)
        {
            await WaitForRetryLinesAsync(log, i + 1);
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        BrokerException gaveUp = await Assert.ThrowsAsync<BrokerException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, broker.Attempts);
        Assert.Equal(2, log.Messages("TaskGen.Worker").Count);
        Assert.Equal(
            $"Cannot connect to RabbitMQ at {Url}: Connection refused; gave up after 2 retries: start the broker, or set TaskGen:BrokerUrl to one that runs (TaskGen:BrokerConnectionMaxRetries sets how long to wait).",
            gaveUp.Message);
    }

    [Fact]
    public async Task WithRetryOnStartupOffTheFirstFailureIsTheAnswer()
    {
        var broker = new FlakyBroker(failures: 1);
        var log = new CapturedLog();
        var options = new TaskAppOptions { BrokerConnectionRetryOnStartup = false };

        BrokerException refused = await Assert.ThrowsAsync<BrokerException>(() =>
            BrokerStartup.ConnectAsync(broker, options, new FakeTimeProvider(), log.CreateLogger("TaskGen.Worker"), CancellationToken.None));

        Assert.Equal(1, broker.Attempts);
        Assert.Empty(log.Messages("TaskGen.Worker"));
        Assert.Equal($"Cannot connect to RabbitMQ at {Url}: Connection refused: start the broker, or set TaskGen:BrokerUrl to one that runs.", refused.Message);
    }

    [Fact]
    public async Task CancellingStopsTheWaitAtOnce()
    {
        var clock = new FakeTimeProvider();
        var broker = new FlakyBroker(failures: int.MaxValue);
        var log = new CapturedLog();
        using var stop = new CancellationTokenSource();

        Task connecting = BrokerStartup.ConnectAsync(broker, new TaskAppOptions(), clock, log.CreateLogger("TaskGen.Worker"), stop.Token);
        await WaitForRetryLinesAsync(log, 1);
        await stop.CancelAsync();

        // The clock has not moved: only the cancellation can have ended the two-second wait.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, broker.Attempts);
    }

    [Fact]
    public void RetrySettingsBindFromConfigurationAndNonsenseIsRefused()
    {
        var options = new TaskAppOptions();
        global::TaskGen.Hosting.TaskAppConfiguration.Bind(
            new ConfigurationBuilder().AddInMemoryCollection(new System.Collections.Generic.Dictionary<string, string?>
            {
                ["TaskGen:BrokerConnectionRetryOnStartup"] = "false",
                ["TaskGen:BrokerConnectionMaxRetries"] = "7",
                ["TaskGen:BrokerConnectionRetryDelay"] = "0.5",
                ["TaskGen:BrokerConnectionRetryMaxDelay"] = "00:01:00",
            }).Build(),
            options);

        Assert.False(options.BrokerConnectionRetryOnStartup);
        Assert.Equal(7, options.BrokerConnectionMaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.BrokerConnectionRetryDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), options.BrokerConnectionRetryMaxDelay);

        var refused = new TaskAppOptions { BrokerConnectionMaxRetries = -1, BrokerConnectionRetryDelay = TimeSpan.Zero };
        TaskAppConfigurationException error = Assert.Throws<TaskAppConfigurationException>(refused.Validate);
        Assert.Contains("BrokerConnectionMaxRetries must be 0 (retry for ever) or more, not -1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("BrokerConnectionRetryDelay 00:00:00 is out of range", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Waits (bounded) until <paramref name="retries"/> failed attempts have been logged, so that the last one's wait is on the clock.</summary>
    private static async Task WaitForRetryLinesAsync(CapturedLog log, int retries)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (log.Messages("TaskGen.Worker").Count < retries)
        {
            await Task.Delay(1, guard.Token);
        }
    }

    /// <summary>A broker that refuses the first <see cref="Failures"/> connections, as one that is still starting does.</summary>
    private sealed class FlakyBroker(int failures) : ForwardingTransport(new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N")))), ITransport
    {
        private int _attempts;

        public int Failures { get; } = failures;

        public int Attempts => Volatile.Read(ref _attempts);

        string ITransport.Description => Url;

        ValueTask<bool> ITransport.CheckConnectionAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _attempts) <= Failures
                ? throw new BrokerException($"Cannot connect to RabbitMQ at {Url}: Connection refused")
                : ValueTask.FromResult(true);
    }
}
