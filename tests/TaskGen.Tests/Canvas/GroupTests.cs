using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;
using Steps = TaskGen.Tests.Canvas.Remote.CanvasTasks;

namespace TaskGen.Tests.Canvas;

/// <summary>Groups: one message per member with the group headers, and results read back in member order.</summary>
public sealed class GroupTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task AGroupReturnsItsResultsInMemberOrder()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Enumerable.Range(0, 20).Select(i => Calc.Add.Signature(i, i))));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => 2 * i), await group.GetAsync(Guard));
        Assert.Equal(20, group.CompletedCount);
        Assert.True(group.IsReady);
    }

    [Fact]
    public async Task AFailingMemberThrowsTheFirstFailureInMemberOrder()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        GroupResult<string> group = await env.App.SendAsync(TaskGroup.Of(Calc.EchoAsync.Signature("fine"), Steps.Fail.Signature("second"), Steps.Fail.Signature("third")));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => group.GetAsync(Guard));
        Assert.Equal("second", failure.RemoteMessage);
        Assert.Equal(group.Results[1].Id, failure.TaskId);
    }

    [Fact]
    public async Task WaitingForAGroupDoesNotThrowForFailedMembers()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        GroupResult<string> group = await env.App.SendAsync(TaskGroup.Of(Steps.Fail.Signature("first"), Calc.EchoAsync.Signature("fine")));

        await group.WaitAsync(Guard);
        Assert.True(group.IsReady);
        Assert.Equal(2, group.CompletedCount);
        Assert.Equal([TaskState.Failure, TaskState.Success], group.Results.Select(r => r.Status));
    }

    [Fact]
    public async Task AMixedGroupReturnsATupleOfEachType()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        GroupResult<int, string, double> group = await env.App.SendAsync(TaskGroup.Mixed(Calc.Add.Signature(1, 2), Calc.EchoAsync.Signature("x"), Calc.Divide.Signature(1, 4)));

        Assert.Equal((3, "x", 0.25), await group.GetAsync(Guard));
        Assert.Equal(3, group.Results.Count);
    }

    [Fact]
    public async Task AGroupSendsOneMessagePerMemberWithTheGroupHeaders()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2), Calc.Add.Signature(3, 3)));

        List<TaskRequest> sent = Published.Take(env.Broker).OrderBy(r => (int)Published.Header(r, "group_index")!).ToList();
        Assert.Equal(3, sent.Count);
        Assert.True(Guid.TryParse(group.Id, out _));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(group.Id, Published.Header(sent[i], "group"));
            Assert.Equal(i, Published.Header(sent[i], "group_index"));
            Assert.Equal(group.Results[i].Id, sent[i].Id);
            Assert.True(sent[i].Embed.IsEmpty);
        }
    }

    [Fact]
    public async Task AnOrdinaryCallSendsNoGroupHeaders()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        await env.App.SendAsync(Calc.Add.Signature(1, 1));

        TaskRequest sent = Assert.Single(Published.Take(env.Broker));
        Assert.True(sent.Headers.ContainsKey("group") && sent.Headers["group"] is null);
        Assert.True(sent.Headers.ContainsKey("group_index") && sent.Headers["group_index"] is null);
    }

    [Fact]
    public async Task AGroupCannotBeSavedOnRpc()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);
        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1)));

        NotSupportedException refused = await Assert.ThrowsAsync<NotSupportedException>(() => group.SaveAsync());
        await Assert.ThrowsAsync<NotSupportedException>(() => env.App.RestoreGroupAsync(Calc.Add.Descriptor, group.Id));

        Assert.Contains("redis://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASavedGroupIsRestoredByIdWithItsMembersInOrder()
    {
        var backend = new FakeGroupBackend();
        string broker = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, broker);
        GroupResult<int> group = await app.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2)));

        await group.SaveAsync();
        GroupResult<int>? restored = await app.RestoreGroupAsync(Calc.Add.Descriptor, group.Id);

        Assert.NotNull(restored);
        Assert.Equal(group.Id, restored.Id);
        Assert.Equal(group.Results.Select(r => r.Id), restored.Results.Select(r => r.Id));
        Assert.Null(await app.RestoreGroupAsync(Calc.Add.Descriptor, Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task AGroupOfTenThousandMembersSendsEveryMember()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        GroupResult<int> group = await env.App.SendAsync(TaskGroup.Of(Enumerable.Range(0, 10_000).Select(i => Calc.Add.Signature(i, 1))));

        List<TaskRequest> sent = Published.Take(env.Broker);
        Assert.Equal(10_000, sent.Count);
        Assert.Equal(Enumerable.Range(0, 10_000), sent.Select(r => (int)Published.Header(r, "group_index")!).Order());
        Assert.Equal(10_000, group.Results.Select(r => r.Id).Distinct().Count());
    }
}
