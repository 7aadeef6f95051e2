using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Worker;

namespace TaskGen.Tests.EndToEnd;

/// <summary>Broadcast queues on the in-memory broker: every worker runs the task and replies under its own name.</summary>
public sealed class BroadcastTests
{
    [Fact]
    public async Task EveryWorkerRepliesUnderItsOwnName()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        var workers = new List<TaskWorker>();
        foreach (string name in new[] { "a@fleet", "b@fleet", "c@fleet" })
        {
            TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["fleet"], NodeName = name });
            await worker.StartAsync();
            workers.Add(worker);
        }

        try
        {
            BroadcastResult<string> result = env.App.Broadcast(Remote.TestTasks.Hello.Signature("hi"));
            IReadOnlyDictionary<string, string> replies = await result.GetAsync(MemoryEnvironment.Guard, expectedCount: 3);

            Assert.Equal(["a@fleet", "b@fleet", "c@fleet"], replies.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("hi from b@fleet", replies["b@fleet"]);
        }
        finally
        {
            foreach (TaskWorker worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task StubOfABroadcastTaskReturnsABroadcastResult()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        await using TaskWorker worker = env.App.CreateWorker(new WorkerOptions { Queues = ["fleet"], NodeName = "solo@fleet" });
        await worker.StartAsync();

        BroadcastResult<string> result = await env.App.BroadcastAsync(Remote.TestTasks.Hello.Signature("yo"));
        IReadOnlyDictionary<string, BroadcastReply> replies = await result.CollectAsync(MemoryEnvironment.Guard, expectedCount: 1);

        Assert.Equal(TaskState.Success, Assert.Single(replies).Value.Status);
    }

    [Fact]
    public async Task BroadcastToADirectQueueIsRefused()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => env.App.Broadcast(Remote.TestTasks.Add.Signature(1, 2)));

        Assert.Contains("not a broadcast queue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABroadcastThatReachesNoWorkerIsEmptyAtOnceAndSaysWhatToStart()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.LoggerFactory = log);

        BroadcastResult<string> result = await env.App.BroadcastAsync(Remote.TestTasks.Hello.Signature("anyone?"));
        Task<IReadOnlyDictionary<string, string>> replies = result.GetAsync(TimeSpan.FromHours(1));

        Assert.True(result.ReachedNoWorker);
        Assert.True(replies.IsCompleted, "Waiting for the replies of a broadcast that reached nobody must end at once.");
        Assert.Empty(await replies);
        string warning = Assert.Single(log.Messages("TaskGen.TaskApp"));
        Assert.Contains("no worker is bound to broadcast queue 'fleet'", warning, StringComparison.Ordinal);
        Assert.Contains("(worker -Q fleet)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABroadcastSentInTheBackgroundThatReachesNoWorkerIsEmpty()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        BroadcastResult<string> result = env.App.Broadcast(Remote.TestTasks.Hello.Signature("anyone?"));

        Assert.Empty(await result.GetAsync(MemoryEnvironment.Guard).WaitAsync(MemoryEnvironment.Guard));
        Assert.True(result.ReachedNoWorker);
    }
}
