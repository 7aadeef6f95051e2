using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Tests.EndToEnd;
using Stubs = TaskGen.Tests.EndToEnd.Remote;
using TaskGen.Transport;
using TaskGen.Worker;
using TaskGen.Protocol;

namespace TaskGen.Tests.Worker;

/// <summary>The worker's smaller parts: the revoked set's bound, time-limit clamps, log text from messages, reused task ids.</summary>
public sealed class WorkerPartsTests
{
    [Fact]
    public void TheRevokedSetForgetsExactlyTheOldestIdsAndRenewsARepeatedOne()
    {
        var revoked = new RevokedSet(capacity: 3, lifetime: TimeSpan.FromHours(1));
        revoked.Add(["a", "b", "c", "d"], now: 1);
        Assert.Equal(["b", "c", "d"], new[] { "a", "b", "c", "d" }.Where(id => revoked.Contains(id, 2)));

        // Revoking b again makes it the newest, so c is the oldest when e arrives.
        revoked.Add(["b"], now: 3);
        revoked.Add(["e"], now: 4);
        Assert.Equal(["b", "d", "e"], new[] { "a", "b", "c", "d", "e" }.Where(id => revoked.Contains(id, 5)));
        Assert.Equal(3, revoked.Count);
    }

    [Fact]
    public void ARevokedIdExpiresAfterItsLifetime()
    {
        var revoked = new RevokedSet(capacity: 10, lifetime: TimeSpan.FromSeconds(1));
        revoked.Add(["old"], now: 0);
        Assert.True(revoked.Contains("old", 1_000));
        Assert.False(revoked.Contains("old", 1_001));

        // The next revoke trims what has expired.
        revoked.Add(["new"], now: 5_000);
        Assert.Equal(1, revoked.Count);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(-5)]
    [InlineData(0)]
    [InlineData(0.25)]
    [InlineData(5_000_000)]
    public void TimeLimitsBecomeDelaysATimerAcceptsOrNoLimit(double seconds)
    {
        TimeSpan? delay = TimeLimits.ToDelay(seconds);
        if (!double.IsFinite(seconds) || seconds <= 0)
        {
            Assert.Null(delay);
            return;
        }

        Assert.NotNull(delay);
        Assert.True(delay <= TimeLimits.Longest);
        using var timer = new CancellationTokenSource();
        timer.CancelAfter(delay.Value);
        Assert.Equal(seconds >= TimeLimits.Longest.TotalSeconds ? TimeLimits.Longest : TimeSpan.FromSeconds(seconds), delay);
    }

    [Fact]
    public async Task ATaskIdAndNameWithLineBreaksCannotForgeLogLines()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);
        string id = "evil\r\nINFO forged line";
        var headers = new Dictionary<string, object?> { ["id"] = id, ["task"] = "no.such\ntask" };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id, DeliveryMode = 2 };
        await env.App.Transport.PublishAsync(new TransportMessage(string.Empty, "celery", properties, headers, Encoding.UTF8.GetBytes("[[], {}, null]")), CancellationToken.None);

        Assert.Equal(3, await env.App.Send(Stubs.TestTasks.Add.Signature(1, 2)).GetAsync(MemoryEnvironment.Guard));
        string rejected = Assert.Single(log.Messages("TaskGen.Worker", LogLevel.Error), m => m.Contains("forged", StringComparison.Ordinal));
        Assert.DoesNotContain('\n', rejected);
        Assert.DoesNotContain('\r', rejected);
        Assert.Contains(@"evil\r\nINFO forged line", rejected, StringComparison.Ordinal);
        Assert.Contains(@"no.such\ntask", rejected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReusingThePendingTaskIdOfAnotherCallIsRefusedInsteadOfOrphaningIt()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        var options = new TaskOptions { TaskId = "same-id" };
        AsyncResult<int> first = env.App.Send(Stubs.TestTasks.Add.Signature(1, 2, options));

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => env.App.Send(Stubs.TestTasks.Add.Signature(3, 4, options)));
        Assert.Contains("same-id", error.Message, StringComparison.Ordinal);

        // The first call still gets its own result.
        await using TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["celery"], NodeName = "late@unit" });
        await worker.StartAsync();
        Assert.Equal(3, await first.GetAsync(MemoryEnvironment.Guard));
    }
}
