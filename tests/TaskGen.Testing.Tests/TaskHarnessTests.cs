using System;
using System.Linq;
using System.Threading.Tasks;
using Shapes.Remote;
using TaskGen;

namespace TaskGen.Testing.Tests;

/// <summary>The harness records sends, runs tasks eagerly or on demand, and fails its assertions with a clear message.</summary>
public sealed class TaskHarnessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EagerModeRunsAStubCallAndRecordsItsArguments()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks());

        AsyncResult<double> result = Geometry.RectArea.Delay(2, 3);

        Assert.Equal(6, await result.GetAsync(Wait));
        SentTask call = Assert.Single(harness.Sent(Geometry.RectArea.Descriptor));
        Assert.Equal(result.Id, call.Id);
        Assert.Equal(2, call.Arg<double>(0));
        Assert.Equal(3, call.Arg<double>("h"));
        Assert.Same(call, harness.AssertSent(Geometry.RectArea.Signature(2, 3)));
        await harness.RunPendingAsync();
        TaskRun run = Assert.Single(harness.Runs(Geometry.RectArea.Descriptor));
        Assert.True(run.Succeeded);
        Assert.Equal(6, run.Result<double>());
    }

    [Fact]
    public async Task OnDemandModeRunsNothingUntilAsked()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);

        AsyncResult<double> result = await Geometry.RectArea.ApplyAsync(4, 5);

        harness.AssertSent(Geometry.RectArea.Signature(4, 5));
        Assert.False(result.IsReady);
        Assert.Empty(harness.Runs());

        await harness.RunPendingAsync();

        Assert.Equal(20, await result.GetAsync(Wait));
        Assert.Single(harness.Runs());
    }

    [Fact]
    public async Task AFailureReachesTheCallerAsTaskFailedExceptionAndIsListed()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks());

        AsyncResult<int> result = Geometry.Explode.Delay("no fuse");

        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(Wait));
        Assert.Contains("InvalidOperationException", failed.RemoteType, StringComparison.Ordinal);
        Assert.Equal("no fuse", failed.RemoteMessage);
        await harness.RunPendingAsync();
        TaskRun run = Assert.Single(harness.Failed(Geometry.Explode.Descriptor));
        Assert.IsType<InvalidOperationException>(run.Exception);
        Assert.Empty(harness.Failed(Geometry.RectArea.Descriptor));
    }

    [Fact]
    public async Task WhatATaskSendsIsRecordedAndRunToo()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);

        _ = Geometry.SquareLater.Delay(3);
        await harness.RunPendingAsync();

        harness.AssertSent(Geometry.SquareLater.Signature(3));
        harness.AssertSent(Geometry.RectArea.Signature(3, 3));
        Assert.Equal(9, Assert.Single(harness.Runs(Geometry.RectArea.Descriptor)).Result<double>());
    }

    [Fact]
    public async Task AssertSentWithOtherArgumentsFailsListingWhatWasSent()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        await Geometry.RectArea.ApplyAsync(2, 2);

        var failure = Assert.Throws<TaskHarnessAssertionException>(() => harness.AssertSent(Geometry.RectArea.Signature(2, 5)));

        Assert.Contains("Expected a call of Shapes.Geometry.RectArea with args [2,5]", failure.Message, StringComparison.Ordinal);
        Assert.Contains("1 call(s) were sent:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Shapes.Geometry.RectArea(args [2,2], kwargs {})", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertionsOnNothingSentSaySo()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);

        var failure = Assert.Throws<TaskHarnessAssertionException>(() => harness.AssertSent(Geometry.RectArea.Signature(1, 1)));
        Assert.EndsWith("but nothing was sent.", failure.Message, StringComparison.Ordinal);
        harness.AssertNotSent(Geometry.RectArea.Descriptor);
        Assert.Throws<TaskHarnessAssertionException>(() => harness.AssertSent(Geometry.RectArea.Descriptor, 1));
    }

    [Fact]
    public async Task AssertNotSentFailsWhenTheTaskWasSent()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        await Geometry.Explode.ApplyAsync("boom");

        var failure = Assert.Throws<TaskHarnessAssertionException>(() => harness.AssertNotSent(Geometry.Explode.Descriptor));

        Assert.Contains("Expected 0 call(s) of Shapes.Geometry.Explode", failure.Message, StringComparison.Ordinal);
        Assert.Contains("[\"boom\"]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadingAnArgumentThatDoesNotExistNamesTheParameters()
    {
        await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        await Geometry.RectArea.ApplyAsync(2, 2);
        SentTask call = Assert.Single(harness.Sent());

        var unknown = Assert.Throws<TaskHarnessAssertionException>(() => call.Arg<double>("width"));
        Assert.Contains("has no parameter 'width'; its parameters are: w, h.", unknown.Message, StringComparison.Ordinal);
        var beyond = Assert.Throws<TaskHarnessAssertionException>(() => call.Arg<double>(2));
        Assert.Contains("there is no argument 2", beyond.Message, StringComparison.Ordinal);
        var wrongType = Assert.Throws<TaskHarnessAssertionException>(() => call.Arg<string>(0));
        Assert.Contains("does not read as String", wrongType.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HarnessesInParallelEachSeeOnlyTheirOwnSends()
    {
        async Task<int> SendAndCount(double side)
        {
            await using var harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
            for (int i = 0; i < 20; i++)
            {
                await Geometry.RectArea.ApplyAsync(side, side);
                await Task.Yield();
            }

            Assert.All(harness.Sent(), call => Assert.Equal(side, call.Arg<double>(0)));
            return harness.Sent().Count;
        }

        int[] counts = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Task.Run(() => SendAndCount(i))));

        Assert.All(counts, count => Assert.Equal(20, count));
    }

    [Fact]
    public async Task DisposingGivesTheDefaultAppBack()
    {
        // This assembly configures no process-wide app, so once the harness is gone there is no default at all.
        TaskHarness harness = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        Assert.Same(harness.App, TaskApp.Default);

        await harness.DisposeAsync();

        var none = Assert.Throws<InvalidOperationException>(() => TaskApp.Default);
        Assert.Contains("No TaskApp is configured", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInnerHarnessDisposedAfterTheOuterOneLeavesNoDisposedAppAsTheDefault()
    {
        // Out of order: the inner harness gives back the outer app, already disposed; the default must not be that app.
        TaskHarness outer = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        TaskHarness inner = await TaskHarness.StartAsync(b => b.AddTaskGenTestingTestsTasks(), TaskHarnessMode.OnDemand);
        Assert.Same(inner.App, TaskApp.Default);

        await outer.DisposeAsync();
        await inner.DisposeAsync();

        var none = Assert.Throws<InvalidOperationException>(() => TaskApp.Default);
        Assert.Contains("No TaskApp is configured", none.Message, StringComparison.Ordinal);
    }
}
