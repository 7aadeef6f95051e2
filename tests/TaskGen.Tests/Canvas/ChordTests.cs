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

/// <summary>Chords as the producer sends them: refused where no worker could join them, and otherwise Celery's messages.</summary>
public sealed class ChordTests
{
    [Fact]
    public async Task AChordIsRefusedOnRpc()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false);

        NotSupportedException refused = await Assert.ThrowsAsync<NotSupportedException>(
            () => env.App.SendAsync(TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1)), Steps.Total.Partial(0))));

        Assert.Equal(CanvasMessages.ChordNeedsResultsById, refused.Message);
        Assert.StartsWith("A chord needs a result backend that keeps results by id, as Celery's does: set ResultBackend to redis://", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, env.Broker.CountReady("celery") ?? 0);
    }

    [Fact]
    public async Task EachHeaderMemberCarriesTheGroupHeadersAndTheBodyInItsEmbed()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);

        AsyncResult<int> result = await app.SendAsync(TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2), Calc.Add.Signature(3, 3)), Steps.Total.Partial(100)));

        List<TaskRequest> sent = Published.Take(InMemoryBroker.Named(name)).OrderBy(r => (int)Published.Header(r, "group_index")!).ToList();
        Assert.Equal(3, sent.Count);
        string groupId = (string)Published.Header(sent[0], "group")!;
        Assert.Equal([$"size {groupId} 3"], backend.Calls);
        Assert.Contains(result.Id, backend.Watched);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(groupId, Published.Header(sent[i], "group"));
            Assert.Equal(i, Published.Header(sent[i], "group_index"));
            Assert.Equal(3, Published.Header(sent[i], TaskRequest.ChordSizeHeader));
            JsonElement embed = Published.Embed(sent[i]);
            Assert.Equal(JsonValueKind.Null, embed.GetProperty("chain").ValueKind);
            JsonElement body = embed.GetProperty("chord");
            Assert.Equal(["task", "args", "kwargs", "options", "subtask_type", "immutable"], body.EnumerateObject().Select(p => p.Name));
            Assert.Equal("TaskGen.Tests.Canvas.CanvasTasks.Total", body.GetProperty("task").GetString());
            Assert.Equal("[100]", body.GetProperty("args").GetRawText());
            Assert.False(body.GetProperty("immutable").GetBoolean());
            JsonElement options = body.GetProperty("options");
            Assert.Equal(result.Id, options.GetProperty("task_id").GetString());
            Assert.Equal(groupId, options.GetProperty("group_id").GetString());
            Assert.Equal("celery", options.GetProperty("queue").GetString());

            // Results are kept by id here: no reply queue, on the body or on the members.
            Assert.False(options.TryGetProperty("reply_to", out _));
            Assert.Null(sent[i].ReplyTo);
        }
    }

    [Fact]
    public async Task TheChordSizeIsSetBeforeAnyHeaderMemberIsSent()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);
        int? readyWhenSized = null;
        backend.OnChordSize = () => readyWhenSized = InMemoryBroker.Named(name).CountReady("celery") ?? 0;

        await app.SendAsync(TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2)), Steps.Total.Partial(0)));

        Assert.Equal(0, readyWhenSized);
        Assert.Equal(2, InMemoryBroker.Named(name).CountReady("celery"));
    }

    [Fact]
    public async Task AChordOfZeroPartsSendsTheBodyAtOnceWithAnEmptyList()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);

        AsyncResult<int> result = await app.SendAsync(TaskChord.Of(TaskGroup.Of<int>(), Steps.Total.Partial(5)));

        TaskRequest body = Assert.Single(Published.Take(InMemoryBroker.Named(name)));
        Assert.Equal("TaskGen.Tests.Canvas.CanvasTasks.Total", body.Name);
        Assert.Equal(result.Id, body.Id);
        Assert.Equal("[[],5]", System.Text.Encoding.UTF8.GetString(body.Args.Span).Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.True(Guid.TryParse((string?)Published.Header(body, "group"), out _));
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public async Task AnImmutableBodyTravelsWithItsOwnArguments()
    {
        var backend = new FakeGroupBackend();
        string name = Guid.NewGuid().ToString("N");
        await using TaskApp app = FakeGroupBackend.CreateApp(backend, name);

        await app.SendAsync(TaskChord.Of(TaskGroup.Of(Calc.EchoAsync.Signature("a")), Steps.Twice.Signature(4)));

        JsonElement body = Published.Embed(Assert.Single(Published.Take(InMemoryBroker.Named(name)))).GetProperty("chord");
        Assert.True(body.GetProperty("immutable").GetBoolean());
        Assert.Equal("[4]", body.GetProperty("args").GetRawText());
    }

    [Fact]
    public void ABodyWhoseFirstParameterIsNotAListIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1)), Steps.Twice.Partial()));

        Assert.StartsWith("The chord body 'TaskGen.Tests.Canvas.CanvasTasks.Twice' takes int first, but its header's tasks return int: give Twice a first parameter of List<int> (or IReadOnlyList<int>), or change the header", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABodyWhoseListCannotTakeTheHeadersResultsIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => TaskChord.Of(TaskGroup.Of(Calc.EchoAsync.Signature("a")), Steps.Total.Partial(0)));

        Assert.StartsWith("The chord body 'TaskGen.Tests.Canvas.CanvasTasks.Total' takes List<int> first, but its header's tasks return string: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMixedHeaderNeedsABodyThatTakesAnyJson()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => TaskChord.Of(TaskGroup.Mixed(Calc.EchoAsync.Signature("a"), Calc.EchoAsync.Signature("b")), Steps.Join.Partial(",")));

        Assert.Contains("but its header's tasks return JsonElement", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABodyOnABroadcastQueueIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1)), Calc.Hello.Signature("hi")));

        Assert.Contains("The chord body 'TaskGen.Tests.EndToEnd.TestTasks.Hello' goes to the broadcast queue 'fleet'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderMemberThatIgnoresItsResultIsRefused()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(
            () => TaskChord.Of(TaskGroup.Of(Calc.Add.Signature(1, 1), Calc.Add.Signature(2, 2, new TaskOptions { IgnoreResult = true })), Steps.Total.Partial(0)));

        Assert.StartsWith("The header member 'TaskGen.Tests.EndToEnd.TestTasks.Add' is sent with IgnoreResult = true", refused.Message, StringComparison.Ordinal);
    }
}
