using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Tests.EndToEnd;

/// <summary>What a worker does at the edges: shutdown under a running task, held ETAs, time limits, disposal.</summary>
public sealed class WorkerRobustnessTests
{
    [Fact]
    public async Task ATaskCancelledByShutdownFailsWithWorkerLostErrorAndIsNotRunAgainByDefault()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.Options.WorkerShutdownTimeout = TimeSpan.FromMilliseconds(50));
        TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["celery"], Concurrency = 1 });
        await worker.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<string> result = await env.App.SendAsync(Remote.TestTasks.WaitForCancellation.Signature(key));
        await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);
        await worker.DisposeAsync();

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal("WorkerLostError", failure.RemoteType);
        Assert.Equal(0, env.Broker.CountReady("celery"));
        Assert.Empty(env.Broker.DeadLetters);
    }

    [Fact]
    public async Task WithRejectOnWorkerLostATaskCancelledByShutdownGoesBackToTheQueueWithoutAResult()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b =>
        {
            b.Options.WorkerShutdownTimeout = TimeSpan.FromMilliseconds(50);
            b.Options.TaskRejectOnWorkerLost = true;
        });
        TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["celery"], Concurrency = 1 });
        await worker.StartAsync();
        string key = Guid.NewGuid().ToString();

        AsyncResult<string> result = await env.App.SendAsync(Remote.TestTasks.WaitForCancellation.Signature(key));
        await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);
        await worker.DisposeAsync();

        Assert.Equal(1, env.Broker.CountReady("celery"));
        Assert.False(result.IsReady);
        Assert.Empty(env.Broker.DeadLetters);
    }

    [Fact]
    public async Task AMessageHeldForItsEtaDoesNotBlockOthers()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.Options.WorkerPrefetchMultiplier = 1);
        await using TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["celery"], Concurrency = 1 });
        await worker.StartAsync();

        // With a prefetch window of one, the held message would take the only slot.
        AsyncResult<int> later = await env.App.SendAsync(Remote.TestTasks.Add.Signature(1, 1, new TaskOptions { Countdown = TimeSpan.FromHours(1) }));
        AsyncResult<int> now = await env.App.SendAsync(Remote.TestTasks.Add.Signature(2, 2));

        Assert.Equal(4, await now.GetAsync(MemoryEnvironment.Guard));
        Assert.False(later.IsReady);
    }

    [Fact]
    public async Task ASoftTimeLimitCancelsTheTaskAndFailsIt()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<string> result = await env.App.SendAsync(Remote.TestTasks.WaitForCancellation.Signature(Guid.NewGuid().ToString(), new TaskOptions { SoftTimeLimit = TimeSpan.FromMilliseconds(100) }));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Equal("SoftTimeLimitExceeded", failure.RemoteType);
    }

    [Fact]
    public async Task DisposingTheAppFailsResultsStillAwaited()
    {
        MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        AsyncResult<int> orphan = await env.App.SendAsync(Remote.TestTasks.Add.Signature(1, 2));

        await env.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => orphan.GetAsync(MemoryEnvironment.Guard));
    }
}
