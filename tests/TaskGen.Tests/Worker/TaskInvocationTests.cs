using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using TaskGen.Protocol;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// How an invocation keeps its result: exactly the bytes written, nothing left behind by a writer that
/// threw, and results written from inside another result's writer kept apart.
/// </summary>
public sealed class TaskInvocationTests
{
    [Fact]
    public void SetResultKeepsExactlyTheWrittenJson()
    {
        TaskInvocation invocation = Create();

        invocation.SetResult(5, static (writer, value) => writer.WriteNumberValue(value));

        Assert.Equal("5", Encoding.UTF8.GetString(invocation.ResultJson.Span));
    }

    [Fact]
    public void ResultJsonIsEmptyUntilSet()
    {
        Assert.True(Create().ResultJson.IsEmpty);
    }

    [Fact]
    public void SetResultWhenTheWriterThrowsLeavesNoResultAndTheNextResultIsClean()
    {
        TaskInvocation failed = Create();
        Assert.Throws<InvalidOperationException>(() => failed.SetResult("x", static (writer, _) =>
        {
            writer.WriteStartArray();
            writer.WriteStringValue("half");
            throw new InvalidOperationException("The value cannot be written.");
        }));
        Assert.True(failed.ResultJson.IsEmpty);

        TaskInvocation next = Create();
        next.SetResult("ok", static (writer, value) => writer.WriteStringValue(value));
        Assert.Equal("\"ok\"", Encoding.UTF8.GetString(next.ResultJson.Span));
    }

    [Fact]
    public void SetResultInsideAnotherResultsWriterKeepsBothApart()
    {
        TaskInvocation outer = Create();
        TaskInvocation inner = Create();

        outer.SetResult(1, (writer, value) =>
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(value);
            inner.SetResult(2, static (w, v) => w.WriteNumberValue(v));
            writer.WriteNumberValue(3);
            writer.WriteEndArray();
        });

        Assert.Equal("[1,3]", Encoding.UTF8.GetString(outer.ResultJson.Span));
        Assert.Equal("2", Encoding.UTF8.GetString(inner.ResultJson.Span));
    }

    [Fact]
    public void SetResultLargeThenSmallBothExact()
    {
        var large = new string('y', 200_000);
        TaskInvocation first = Create();
        first.SetResult(large, static (writer, value) => writer.WriteStringValue(value));
        TaskInvocation second = Create();
        second.SetResult(true, static (writer, value) => writer.WriteBooleanValue(value));

        Assert.Equal(large.Length + 2, first.ResultJson.Length);
        Assert.Equal("true", Encoding.UTF8.GetString(second.ResultJson.Span));
    }

    [Fact]
    public void SetResultWritesTheSuccessMessageTheBackendStoresWithTheValueInsideIt()
    {
        TaskInvocation invocation = Create();

        invocation.SetResult(new[] { 4, 2 }, static (writer, value) => TaskGen.Serialization.TaskJson.WriteArray(writer, value, static (w, v) => w.WriteNumberValue(v)));
        ResultBody result = invocation.Result;
        byte[] stored = result.Encode(invocation.Request.Id, TaskState.Success, null);

        // The value is not copied into a second message: the array stored is the one the task's writer wrote into.
        Assert.Same(result.Message, stored);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(invocation.ResultJson, out ArraySegment<byte> value));
        Assert.Same(stored, value.Array);
        ResultMessage decoded = ResultCodec.Decode(stored);
        Assert.Equal(invocation.Request.Id, decoded.TaskId);
        Assert.Equal(TaskState.Success, decoded.State);
        Assert.Equal("[4,2]", Encoding.UTF8.GetString(decoded.Result.Span));
        Assert.Null(decoded.Traceback);
    }

    [Fact]
    public void ResultForAnotherStateOrWithATracebackIsEncodedAroundTheValueInstead()
    {
        TaskInvocation invocation = Create();
        invocation.SetResult(7, static (writer, value) => writer.WriteNumberValue(value));
        ResultBody result = invocation.Result;

        byte[] retry = result.Encode(invocation.Request.Id, TaskState.Retry, null);
        byte[] traced = result.Encode(invocation.Request.Id, TaskState.Success, "trace");

        Assert.NotSame(result.Message, retry);
        Assert.Equal(TaskState.Retry, ResultCodec.Decode(retry).State);
        Assert.Equal("trace", ResultCodec.Decode(traced).Traceback);
        Assert.Equal("7", Encoding.UTF8.GetString(ResultCodec.Decode(traced).Result.Span));
    }

    [Fact]
    public void ContextFromTheWorkersConstructorIsMadeFromTheRequestOnceAndKept()
    {
        var eta = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var headers = new Dictionary<string, object?> { ["x-tenant"] = "acme" };
        var request = new TaskRequest
        {
            Id = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d",
            Name = "proj.tasks.add",
            Args = "[]"u8.ToArray(),
            Kwargs = "{}"u8.ToArray(),
            Retries = 2,
            RootId = "root-1",
            ParentId = "parent-1",
            Eta = eta,
            Headers = headers,
        };
        using var cancel = new CancellationTokenSource();
        var invocation = new TaskInvocation(request, "celery@test", "calc", cancel.Token);

        TaskContext context = invocation.Context;

        Assert.Same(context, invocation.Context);
        Assert.Equal(request.Id, context.Id);
        Assert.Equal(request.Name, context.Name);
        Assert.Equal("celery@test", context.Hostname);
        Assert.Equal("calc", context.Queue);
        Assert.Equal(2, context.Retries);
        Assert.Equal("root-1", context.RootId);
        Assert.Equal("parent-1", context.ParentId);
        Assert.Equal(eta, context.Eta);
        Assert.Equal(cancel.Token, context.CancellationToken);
        Assert.Same(headers, context.Headers);
        Assert.Equal("acme", context.Header("x-tenant"));
    }

    [Fact]
    public void ContextGivenToTheConstructorIsTheOneReturned()
    {
        var request = new TaskRequest { Id = "id-1", Name = "proj.tasks.add", Args = "[]"u8.ToArray(), Kwargs = "{}"u8.ToArray() };
        var given = new TaskContext(request.Id, request.Name, "celery@test");

        Assert.Same(given, new TaskInvocation(request, given, CancellationToken.None).Context);
    }

    private static TaskInvocation Create()
    {
        var request = new TaskRequest
        {
            Id = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d",
            Name = "proj.tasks.add",
            Args = "[]"u8.ToArray(),
            Kwargs = "{}"u8.ToArray(),
            Headers = new Dictionary<string, object?>(),
        };
        return new TaskInvocation(request, new TaskContext(request.Id, request.Name, "celery@test"), CancellationToken.None);
    }
}
