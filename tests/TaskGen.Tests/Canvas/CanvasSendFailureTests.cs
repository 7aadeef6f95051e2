using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;
using Steps = TaskGen.Tests.Canvas.Remote.CanvasTasks;

// These tests route members where the analyzers refuse to (TG0202, TG0203), to reach the failures that a route chosen at
// run time meets when the canvas is sent.
#pragma warning disable TG0202, TG0203

namespace TaskGen.Tests.Canvas;

/// <summary>Canvases whose sending fails part way: what went out, what is still watched, and what the caller is told.</summary>
public sealed class CanvasSendFailureTests
{
    /// <summary>Options that route a member to a routing key no queue is bound to, so the broker refuses its message.</summary>
    private static readonly TaskOptions Unroutable = new() { RoutingKey = "bound-to-no-queue" };

    /// <summary>Options that name a queue no assembly declared, so the member cannot even be built.</summary>
    private static readonly TaskOptions Undeclared = new() { Queue = "declared-by-no-assembly" };

    [Fact]
    public async Task AChordWhoseLastHeaderMemberNamesAnUndeclaredQueueLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;
        IEnumerable<Signature<int>> header = Enumerable.Range(0, 5_000).Select(i => Calc.Add.Signature(i, 1, i == 4_999 ? Undeclared : null));

        await Assert.ThrowsAsync<TaskRoutingException>(() => app.SendAsync(TaskChord.Of(TaskGroup.Of(header), Steps.Total.Partial(0))));

        Assert.Equal(before, app.PendingResults);
        Assert.Empty(backend.Calls);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }

    [Fact]
    public async Task AChordSentInPartStopsAtTheFailedMemberAndStopsWatchingItsBody()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;
        IEnumerable<Signature<int>> header = Enumerable.Range(0, 10).Select(i => Calc.Add.Signature(i, 1, i == 3 ? Unroutable : null));

        GroupSendException failure = await Assert.ThrowsAsync<GroupSendException>(() => app.SendAsync(TaskChord.Of(TaskGroup.Of(header), Steps.Total.Partial(0))));

        List<TaskRequest> sent = Published.Take(InMemoryBroker.Named(name)).OrderBy(r => (int)Published.Header(r, "group_index")!).ToList();
        Assert.Equal([0, 1, 2], sent.Select(r => (int)Published.Header(r, "group_index")!));
        Assert.Equal(sent.Select(r => r.Id), failure.SentTaskIds);
        Assert.Equal(Published.Header(sent[0], "group"), failure.GroupId);
        Assert.Empty(failure.SentResults);
        Assert.IsType<MessageNotRoutedException>(failure.InnerException);
        Assert.Contains("the chord can never complete and its body will not run", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, app.PendingResults);
    }

    [Fact]
    public async Task ACancelledChordSetsNoChordSizeAndLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => app.SendAsync(TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2)), Steps.Total.Partial(0)), cancelled.Token));

        Assert.Empty(backend.Calls);
        Assert.Equal(before, app.PendingResults);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }

    [Fact]
    public async Task AGroupSentInPartStopsAtTheFailedMemberAndKeepsWatchingTheMembersSent()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;

        GroupSendException failure = await Assert.ThrowsAsync<GroupSendException>(
            () => app.SendAsync(TaskGroup.Of(Enumerable.Range(0, 10).Select(i => Calc.Add.Signature(i, 1, i == 3 ? Unroutable : null)))));

        List<TaskRequest> sent = Published.Take(InMemoryBroker.Named(name)).OrderBy(r => (int)Published.Header(r, "group_index")!).ToList();
        Assert.Equal([0, 1, 2], sent.Select(r => (int)Published.Header(r, "group_index")!));
        Assert.Equal(sent.Select(r => r.Id), failure.SentTaskIds);
        Assert.Equal(failure.SentTaskIds, failure.SentResults.Select(r => r.Id));
        Assert.Equal(Published.Header(sent[0], "group"), failure.GroupId);
        Assert.IsType<MessageNotRoutedException>(failure.InnerException);
        Assert.Equal(before + 3, app.PendingResults);
        Assert.Equal(failure.SentTaskIds.Order(), backend.Watched.Order());
    }

    [Fact]
    public async Task AGroupWhoseFirstPublishFailsThrowsTheBrokersOwnExceptionAndLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;

        await Assert.ThrowsAsync<MessageNotRoutedException>(
            () => app.SendAsync(TaskGroup.Of(Enumerable.Range(0, 10).Select(i => Calc.Add.Signature(i, 1, i == 0 ? Unroutable : null)))));

        Assert.Equal(before, app.PendingResults);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }

    [Fact]
    public async Task AGroupWhoseLastMemberNamesAnUndeclaredQueueSendsNothingAndLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;

        await Assert.ThrowsAsync<TaskRoutingException>(
            () => app.SendAsync(TaskGroup.Of(Enumerable.Range(0, 5_000).Select(i => Calc.Add.Signature(i, 1, i == 4_999 ? Undeclared : null)))));

        Assert.Equal(before, app.PendingResults);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }

    [Fact]
    public async Task AChainWhoseLastStepNamesAnUndeclaredQueueSendsNothingAndLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;

        await Assert.ThrowsAsync<TaskRoutingException>(() => app.SendAsync(Calc.Add.Signature(1, 2).Then(Steps.Twice.Partial(Undeclared))));

        Assert.Equal(before, app.PendingResults);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }

    [Fact]
    public async Task ACancelledGroupSaveWritesNothing()
    {
        var backend = new FakeGroupBackend();
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, Guid.NewGuid().ToString("N"));
        GroupResult<int> group = await app.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1)));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => group.SaveAsync(cancelled.Token));

        Assert.Empty(backend.Calls);
    }

    [Fact]
    public async Task ACancelledRestoreOfAGroupIsRefused()
    {
        var backend = new FakeGroupBackend();
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, Guid.NewGuid().ToString("N"));
        GroupResult<int> group = await app.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1)));
        await group.SaveAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.RestoreGroupAsync(Calc.Add.Descriptor, group.Id, cancelled.Token));
    }

    [Fact]
    public async Task ACancelledGroupSendPublishesNothingAndLeavesNoResultWatched()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int before = app.PendingResults;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.SendAsync(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2)), cancelled.Token));

        Assert.Equal(before, app.PendingResults);
        Assert.Empty(Published.Take(InMemoryBroker.Named(name)));
    }
}
