using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Remote = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Protocol;

/// <summary>
/// Values no worker, timer or broker can honour — time limits of 1e300 or NaN, expiries beyond RabbitMQ's
/// TTL or already past, options out of range — are clamped or refused with an error naming them.
/// </summary>
public sealed class AbsurdValueTests
{
    private static readonly double MaxSeconds = TaskMessageCodec.MaxTimeLimit.TotalSeconds;

    [Fact]
    public void MaxTimeLimitIsTheLongestWaitTheRuntimeTimersTake()
    {
        using var cts = new CancellationTokenSource();
        cts.CancelAfter(TaskMessageCodec.MaxTimeLimit);
        _ = Task.Delay(TaskMessageCodec.MaxTimeLimit, cts.Token);
        _ = Task.CompletedTask.WaitAsync(TaskMessageCodec.MaxTimeLimit);

        TimeSpan beyond = TaskMessageCodec.MaxTimeLimit + TimeSpan.FromMilliseconds(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => cts.CancelAfter(beyond));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Task.Delay(beyond, cts.Token); });
        cts.Cancel();
    }

    [Theory]
    [InlineData(1e300, 1e300, true, true)]
    [InlineData(double.NaN, double.NaN, false, false)]
    [InlineData(double.PositiveInfinity, double.NegativeInfinity, false, false)]
    [InlineData(-5.0, 0.0, false, false)]
    [InlineData(5_000_000.0, 30.0, true, false)]
    public void DecodeAbsurdTimeLimitIsClampedOrDropped(double hard, double soft, bool hardClamped, bool softClamped)
    {
        TaskRequest request = TaskMessageCodec.Decode(WithHeader("timelimit", new List<object?> { hard, soft }));

        Assert.Equal(hardClamped ? MaxSeconds : null, request.TimeLimit.Hard);
        Assert.Equal(softClamped ? MaxSeconds : (soft > 0 && double.IsFinite(soft) ? soft : null), request.TimeLimit.Soft);

        // Whatever was sent, the decoded limits are ones a worker's timer takes.
        using var cts = new CancellationTokenSource();
        foreach (double? seconds in new[] { request.TimeLimit.Hard, request.TimeLimit.Soft })
        {
            if (seconds is { } s)
            {
                cts.CancelAfter(TimeSpan.FromSeconds(s));
            }
        }
    }

    [Fact]
    public void DecodeTimeLimitsAsTextAndSmallValuesAreKept()
    {
        TaskRequest request = TaskMessageCodec.Decode(WithHeader("timelimit", new List<object?> { "1e300"u8.ToArray(), 2.5 }));

        Assert.Equal(MaxSeconds, request.TimeLimit.Hard);
        Assert.Equal(2.5, request.TimeLimit.Soft);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(double.NaN)]
    [InlineData(-3.0)]
    public void DecodeAbsurdRetriesReadAsZero(double retries)
    {
        Assert.Equal(0, TaskMessageCodec.Decode(WithHeader("retries", retries)).Retries);
    }

    [Fact]
    public void EncodeExpiresBeyondRabbitMqsLongestTtlSendsNoExpiration()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope(DateTimeOffset.UtcNow.AddDays(60)));

        // RabbitMQ refuses an expiration above 2^32 - 1 ms by closing the channel; the header still makes the worker revoke it.
        Assert.Null(message.Properties.Expiration);
        Assert.NotNull(message.Headers["expires"]);
    }

    [Fact]
    public void EncodeExpiresJustWithinTheLongestTtlSendsItsExpiration()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope(DateTimeOffset.UtcNow.AddDays(49)));

        long milliseconds = long.Parse(message.Properties.Expiration!, NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(milliseconds, TimeSpan.FromDays(48).TotalMilliseconds, TaskMessageCodec.MaxExpirationMilliseconds);
    }

    [Theory]
    [InlineData(nameof(TaskOptions.TimeLimit), 60.0 * 86_400)]
    [InlineData(nameof(TaskOptions.TimeLimit), -1.0)]
    [InlineData(nameof(TaskOptions.SoftTimeLimit), 60.0 * 86_400)]
    [InlineData(nameof(TaskOptions.SoftTimeLimit), 0.0)]
    public async Task SendTimeLimitOutOfRangeIsRefusedNamingTheOption(string option, double seconds)
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        TimeSpan value = TimeSpan.FromSeconds(seconds);
        TaskOptions options = option == nameof(TaskOptions.TimeLimit) ? new() { TimeLimit = value } : new() { SoftTimeLimit = value };

        ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => env.App.Send(Remote.TestTasks.Add.Signature(1, 2, options)));

        Assert.Equal(option, refused.ParamName);
        Assert.Contains("TaskOptions." + option, refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, env.Broker.CountReady("celery") ?? 0);
    }

    [Fact]
    public async Task SendCountdownBeyondTheLastDateIsRefusedNamingTheOption()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(
            () => env.App.Send(Remote.TestTasks.Add.Signature(1, 2, new TaskOptions { Countdown = TimeSpan.MaxValue })));

        Assert.Equal(nameof(TaskOptions.Countdown), refused.ParamName);
    }

    [Fact]
    public async Task SendLongestTimeLimitIsAccepted()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = env.App.Send(Remote.TestTasks.Add.Signature(1, 2, new TaskOptions { TimeLimit = TaskMessageCodec.MaxTimeLimit, SoftTimeLimit = TaskMessageCodec.MaxTimeLimit }));

        Assert.Equal(3, await result.GetAsync(MemoryEnvironment.Guard));
    }

    [Fact]
    public async Task WorkerTimeLimitOf1e300RunsTheTaskAndAnswers()
    {
        string name = Guid.NewGuid().ToString("N");
        var transport = new HeaderRewritingTransport(new InMemoryTransport(InMemoryBroker.Named(name)), "timelimit", new List<object?> { 1e300, 1e300 });
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://" + name;
            b.Transport = transport;
            b.AddTaskGenTestsTasks();
        });
        await using TaskGen.Worker.TaskWorker worker = app.CreateWorker(new TaskGen.Worker.WorkerOptions { Queues = ["celery"], Concurrency = 1 });
        await worker.StartAsync();

        AsyncResult<int> result = app.Send(Remote.TestTasks.Add.Signature(40, 2));

        Assert.Equal(42, await result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(1, transport.Rewritten);
    }

    private static TaskEnvelope Envelope(DateTimeOffset? expires = null) => new()
    {
        Id = "5f2a0c4e-8b1d-4c3e-9a7f-1e2d3c4b5a69",
        Name = Remote.TestTasks.Add.Name,
        Arguments = Remote.TestTasks.Add.Signature(1, 2).Arguments,
        RoutingKey = "celery",
        Expires = expires,
    };

    private static TransportMessage WithHeader(string header, object? value)
    {
        TransportMessage sent = TaskMessageCodec.Encode(Envelope());
        var headers = new Dictionary<string, object?>(sent.Headers, StringComparer.Ordinal) { [header] = value };
        return new TransportMessage(sent.Exchange, sent.RoutingKey, sent.Properties, headers, sent.Body);
    }

    /// <summary>Publishes task messages with one header replaced, as a foreign producer might send them.</summary>
    private sealed class HeaderRewritingTransport(ITransport inner, string header, object? value) : ForwardingTransport(inner)
    {
        private int _rewritten;

        public int Rewritten => Volatile.Read(ref _rewritten);

        public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            if (message.Headers.ContainsKey("task"))
            {
                Interlocked.Increment(ref _rewritten);
                var headers = new Dictionary<string, object?>(message.Headers, StringComparer.Ordinal) { [header] = value };
                message = new TransportMessage(message.Exchange, message.RoutingKey, message.Properties, headers, message.Body);
            }

            return base.PublishAsync(message, cancellationToken);
        }
    }
}
