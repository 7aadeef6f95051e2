using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.Transport;
using TaskGen.Transport;

namespace TaskGen.Tests.EndToEnd;

/// <summary>The failure policy on the in-memory broker: automatic and explicit retries, spent retries, and how failed messages are settled.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task ATaskThatFailsTwiceReturnsItsValueAfterTwoRetriesEachWaitingItsBackoff()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(key, 2, 42));

        Assert.Equal(42, await result.GetAsync(MemoryEnvironment.Guard));
        Attempt[] attempts = RetryTasks.Attempts[key].ToArray();
        Assert.Equal([0, 1, 2], attempts.Select(a => a.Retries));
        Assert.Null(attempts[0].Eta);
        for (int i = 1; i < attempts.Length; i++)
        {
            // Each retry was sent after the run before it started, with a countdown of 0.05 s doubled per retry,
            // and ran no earlier than its ETA: orderings of recorded moments, not a measured duration.
            TimeSpan backoff = TimeSpan.FromSeconds(0.05 * Math.Pow(2, i - 1));
            DateTimeOffset eta = attempts[i].Eta ?? throw new InvalidOperationException($"Retry {i} carried no ETA.");
            Assert.True(eta - attempts[i - 1].Started >= backoff, $"Retry {i}'s ETA {eta:o} is less than {backoff} after run {i - 1} started at {attempts[i - 1].Started:o}.");
            Assert.True(attempts[i].Started >= eta, $"Retry {i} started at {attempts[i].Started:o}, before its ETA {eta:o}.");
        }

        Assert.Equal(TaskState.Success, result.Status);
    }

    [Fact]
    public async Task SpentRetriesFailWithTheOriginalExceptionType()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(key, 10, 1));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(nameof(TimeoutException), failure.RemoteType);
        Assert.Equal("attempt 3 timed out", failure.RemoteMessage);
        Assert.Equal([0, 1, 2, 3], RetryTasks.Attempts[key].Select(a => a.Retries));
    }

    [Fact]
    public async Task ACallsOwnMaxRetriesOverridesTheTasks()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(key, 10, 1, new TaskOptions { MaxRetries = 1 }));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(nameof(TimeoutException), failure.RemoteType);
        Assert.Equal([0, 1], RetryTasks.Attempts[key].Select(a => a.Retries));
    }

    [Fact]
    public async Task AnExceptionNotListedInRetryForFailsAtOnce()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailWithoutRetry.Signature(key));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(nameof(ArgumentException), failure.RemoteType);
        Assert.Single(RetryTasks.Attempts[key]);
    }

    [Theory]
    [InlineData(true, nameof(InvalidOperationException))]
    [InlineData(false, nameof(MaxRetriesExceededException))]
    public async Task AnExplicitRetryFailsWithItsReasonOrMaxRetriesExceededOnceSpent(bool withReason, string expectedType)
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.RetryExplicitly.Signature(key, withReason));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(expectedType, failure.RemoteType);
        Assert.Equal([0, 1], RetryTasks.Attempts[key].Select(a => a.Retries));
    }

    [Fact]
    public async Task ARetryIsTheSameMessageWithItsRetriesCountedUpAndAnEta()
    {
        var published = new ConcurrentQueue<TransportMessage>();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
            b.Transport = new RecordingTransport(new InMemoryTransport(InMemoryBroker.Named(b.Options.BrokerUrl["memory://".Length..])), published));
        string key = Guid.NewGuid().ToString();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(key, 1, 7, new TaskOptions { Headers = new Dictionary<string, object?> { ["tenant"] = "blue" } }));
        Assert.Equal(7, await result.GetAsync(MemoryEnvironment.Guard));

        TransportMessage[] sent = published
            .Where(m => TaskMessageCodec.HeaderString(m.Headers, "id") == result.Id && TaskMessageCodec.HeaderString(m.Headers, "task") is not null)
            .ToArray();
        Assert.Equal(2, sent.Length);
        TransportMessage first = sent[0], retry = sent[1];
        Assert.Equal("1", TaskMessageCodec.HeaderString(retry.Headers, "retries"));
        Assert.NotNull(TaskMessageCodec.HeaderString(retry.Headers, "eta"));
        Assert.Equal("blue", TaskMessageCodec.HeaderString(retry.Headers, "tenant"));
        Assert.Equal(first.Properties.ReplyTo, retry.Properties.ReplyTo);
        Assert.Equal(first.Properties.CorrelationId, retry.Properties.CorrelationId);
        Assert.Equal(first.Body.ToArray(), retry.Body.ToArray());
        Assert.Equal("celery", retry.RoutingKey);
    }

    [Fact]
    public async Task WithAcksOnFailureOffAFailedTaskIsDeadLetteredAndItsCallerStillHearsWhy()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.Options.TaskAcksOnFailureOrTimeout = false);

        AsyncResult<double> result = await env.App.SendAsync(Remote.TestTasks.Divide.Signature(1, 0));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal(nameof(DivideByZeroException), failure.RemoteType);
        await Eventually.WaitFor(() => env.Broker.DeadLetters.Count == 1, "the failed task's message to be dead-lettered");
        Assert.Equal(result.Id, TaskMessageCodec.HeaderString(env.Broker.DeadLetters.Single().Headers, "id"));
    }

    [Fact]
    public async Task ByDefaultAFailedTaskIsAcknowledgedNotDeadLettered()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<double> result = await env.App.SendAsync(Remote.TestTasks.Divide.Signature(1, 0));

        await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        await env.Worker!.DisposeAsync();
        Assert.Empty(env.Broker.DeadLetters);
        Assert.Equal(0, env.Broker.CountReady("celery"));
    }

    [Fact]
    public async Task ARateLimitedTaskBeyondItsRateWaitsWithoutHoldingTheOnlySlot()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(concurrency: 1);

        AsyncResult<int> first = await env.App.SendAsync(Remote.RetryTasks.Hourly.Signature(1));
        Assert.Equal(1, await first.GetAsync(MemoryEnvironment.Guard));
        AsyncResult<int> second = await env.App.SendAsync(Remote.RetryTasks.Hourly.Signature(2));
        AsyncResult<int> other = await env.App.SendAsync(Remote.TestTasks.Add.Signature(2, 3));

        Assert.Equal(5, await other.GetAsync(MemoryEnvironment.Guard));
        Assert.False(second.IsReady);
        Assert.Equal(1, env.Worker!.Scheduled);
    }
}
