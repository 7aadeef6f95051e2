using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;
using Steps = TaskGen.Tests.Canvas.Remote.CanvasTasks;

// These tests build the canvases the analyzers refuse at compile time (TG0401-TG0406), to check that the same canvas is
// refused, with the same words, when it is built where no analyzer sees it.
#pragma warning disable TG0401, TG0402, TG0404, TG0405, TG0406

namespace TaskGen.Tests.Canvas;

/// <summary>Typed chains: what goes on the wire, and a TaskGen worker running them on the in-memory transport.</summary>
public sealed class ChainTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task AThreeStepChainGivesEachStepThePreviousResult()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = await env.App.SendAsync(Calc.Add.Signature(1, 2).Then(Calc.Add.Partial(10)).Then(Steps.Twice.Partial()));

        Assert.Equal(26, await result.GetAsync(Guard));
    }

    [Fact]
    public async Task AnImmutableStepRunsOnItsOwnArgumentsAlone()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = await env.App.SendAsync(Calc.Add.Signature(1, 2).Then(Calc.Add.Signature(10, 20)).Then(Steps.Twice.Partial()));

        Assert.Equal(60, await result.GetAsync(Guard));
    }

    [Fact]
    public async Task AChainsResultIsItsLastStep()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        AsyncResult<int> result = await env.App.SendAsync(Calc.Add.Signature(1, 2).Then(Steps.Twice.Partial()));

        TaskRequest first = Assert.Single(Published.Take(env.Broker));
        Assert.Equal("TaskGen.Tests.EndToEnd.TestTasks.Add", first.Name);
        JsonElement chain = Published.Embed(first).GetProperty("chain");
        Assert.Equal(result.Id, chain[0].GetProperty("options").GetProperty("task_id").GetString());
        Assert.Equal("TaskGen.Tests.Canvas.CanvasTasks.Twice", result.TaskName);
    }

    [Fact]
    public async Task AChainSendsOneMessageWhoseEmbedHoldsTheRemainingStepsNextLast()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        await env.App.SendAsync(Calc.Add.Signature(1, 2).Then(Calc.Add.Partial(10)).Then(Calc.Add.Signature(5, 6)).Then(Steps.Twice.Partial()));

        TaskRequest first = Assert.Single(Published.Take(env.Broker));
        Assert.Equal("[1,2]", System.Text.Encoding.UTF8.GetString(first.Args.Span));
        JsonElement embed = Published.Embed(first);
        Assert.Equal(JsonValueKind.Null, embed.GetProperty("callbacks").ValueKind);
        Assert.Equal(JsonValueKind.Null, embed.GetProperty("errbacks").ValueKind);
        Assert.Equal(JsonValueKind.Null, embed.GetProperty("chord").ValueKind);
        JsonElement[] chain = [.. embed.GetProperty("chain").EnumerateArray()];
        Assert.Equal(["TaskGen.Tests.Canvas.CanvasTasks.Twice", "TaskGen.Tests.EndToEnd.TestTasks.Add", "TaskGen.Tests.EndToEnd.TestTasks.Add"], chain.Select(step => step.GetProperty("task").GetString()));
        Assert.Equal(["[]", "[5,6]", "[10]"], chain.Select(step => step.GetProperty("args").GetRawText()));
        Assert.Equal([false, true, false], chain.Select(step => step.GetProperty("immutable").GetBoolean()));
        foreach (JsonElement step in chain)
        {
            Assert.Equal(["task", "args", "kwargs", "options", "subtask_type", "immutable"], step.EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.Null, step.GetProperty("subtask_type").ValueKind);
            JsonElement options = step.GetProperty("options");
            Assert.Equal("celery", options.GetProperty("queue").GetString());
            Assert.True(Guid.TryParse(options.GetProperty("task_id").GetString(), out _));
            Assert.Equal(first.ReplyTo, options.GetProperty("reply_to").GetString());
        }

        Assert.Equal(3, chain.Select(step => step.GetProperty("options").GetProperty("task_id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task ACallbackAndAnErrbackTravelInTheEmbedWithoutTaskIds()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        await env.App.SendAsync(Calc.Add.Signature(1, 2).OnSuccess(Steps.Twice.Partial()).OnError(Steps.NoteFailure.Partial("add failed")));

        TaskRequest sent = Assert.Single(Published.Take(env.Broker));
        JsonElement embed = Published.Embed(sent);
        JsonElement callback = Assert.Single(embed.GetProperty("callbacks").EnumerateArray());
        JsonElement errback = Assert.Single(embed.GetProperty("errbacks").EnumerateArray());
        Assert.Equal("TaskGen.Tests.Canvas.CanvasTasks.Twice", callback.GetProperty("task").GetString());
        Assert.Equal("TaskGen.Tests.Canvas.CanvasTasks.NoteFailure", errback.GetProperty("task").GetString());
        Assert.Equal("[\"add failed\"]", errback.GetProperty("args").GetRawText());
        Assert.False(callback.GetProperty("options").TryGetProperty("task_id", out _));
        Assert.Equal(JsonValueKind.Null, embed.GetProperty("chain").ValueKind);
    }

    [Fact]
    public async Task ASuccessCallbackRunsOnTheResult()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string note = "callback " + Guid.NewGuid();

        await env.App.SendAsync(Calc.Add.Signature(1, 2).OnSuccess(Steps.NoteValue.Partial(note)));

        await TestTasks.Recorded.GetOrAdd(note + "=3", _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Guard);
    }

    [Fact]
    public void AStepWhoseFirstParameterCannotTakeThePreviousResultIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => Calc.Add.Signature(1, 2).Then(Calc.EchoAsync.Partial()));

        Assert.StartsWith(
            "The next step 'TaskGen.Tests.EndToEnd.TestTasks.EchoAsync' takes string first, but the call before it returns int: "
            + "give EchoAsync a first parameter of int, or put a step between them that turns int into string",
            refused.Message,
            StringComparison.Ordinal);
        Assert.Equal("next", refused.ParamName);
    }

    [Fact]
    public void ALaterStepIsCheckedAgainstTheStepBeforeIt()
    {
        TaskChain<int> chain = Calc.Add.Signature(1, 2).Then(Steps.Twice.Partial());

        ArgumentException refused = Assert.Throws<ArgumentException>(() => chain.Then(Steps.Total.Partial(0)));

        Assert.StartsWith("The next step 'TaskGen.Tests.Canvas.CanvasTasks.Total' takes List<int> first, but the call before it returns int: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACallbackIsCheckedAsAStepIs()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => Calc.Add.Signature(1, 2).OnSuccess(Calc.EchoAsync.Partial()));

        Assert.Contains("The callback 'TaskGen.Tests.EndToEnd.TestTasks.EchoAsync' takes string first, but the call before it returns int", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnErrbackWhoseFirstParameterCannotTakeATaskIdIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => Calc.Add.Signature(1, 2).OnError(Steps.Twice.Partial()));

        Assert.StartsWith("The error callback 'TaskGen.Tests.Canvas.CanvasTasks.Twice' takes int first, but an error callback receives the failed task's id, a string: give Twice a first parameter of string", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStepTakingObjectOrJsonAcceptsAnyResult()
    {
        Assert.True(CanvasMessages.Accepts(typeof(object), typeof(List<int>)));
        Assert.True(CanvasMessages.Accepts(typeof(JsonElement), typeof(string)));
        Assert.True(CanvasMessages.Accepts(typeof(int?), typeof(int)));
        Assert.False(CanvasMessages.Accepts(typeof(long), typeof(int)));
        Assert.Equal("Dictionary<string, List<int>>[]", CanvasMessages.TypeName(typeof(Dictionary<string, List<int>>[])));
    }
}
