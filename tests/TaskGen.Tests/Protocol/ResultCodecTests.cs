using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Tests.Protocol;

/// <summary>
/// Result messages of the <c>rpc://</c> backend: what a TaskGen worker sends, and what a Python
/// worker sends (newer keys, kombu failure descriptions, bare <c>NaN</c>).
/// </summary>
public sealed class ResultCodecTests
{
    private const string TaskId = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d";

    [Fact]
    public void EncodeSuccessWritesTheCeleryResultObject()
    {
        byte[] body = ResultCodec.Encode(TaskId, TaskState.Success, "{\"sum\":[4,5.5]}"u8);

        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(TaskId, root.GetProperty("task_id").GetString());
        Assert.Equal("SUCCESS", root.GetProperty("status").GetString());
        Assert.Equal("{\"sum\":[4,5.5]}", root.GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("traceback").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("children").ValueKind);
        Assert.Equal(0, root.GetProperty("children").GetArrayLength());
    }

    [Fact]
    public void EncodeDateDoneIsPythonsIsoformatOfTheUtcTime()
    {
        DateTime before = DateTime.UtcNow;
        using JsonDocument document = JsonDocument.Parse(ResultCodec.Encode(TaskId, TaskState.Success, "5"u8));
        DateTime after = DateTime.UtcNow;

        string dateDone = document.RootElement.GetProperty("date_done").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", dateDone);
        DateTime parsed = DateTime.ParseExact(dateDone, "yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(parsed, before.AddTicks(-(before.Ticks % 10)), after);
    }

    [Fact]
    public void EncodeAfterARaggedTracebackStartsClean()
    {
        // Results on one thread share a writer; each must be a complete object of its own.
        byte[] first = ResultCodec.Encode(TaskId, TaskState.Failure, "{\"exc_type\":\"E\"}"u8, new string('x', 100_000));
        byte[] second = ResultCodec.Encode(TaskId, TaskState.Success, "7"u8);

        using JsonDocument firstDocument = JsonDocument.Parse(first);
        using JsonDocument secondDocument = JsonDocument.Parse(second);
        Assert.Equal(100_000, firstDocument.RootElement.GetProperty("traceback").GetString()!.Length);
        Assert.Equal("7", secondDocument.RootElement.GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, secondDocument.RootElement.GetProperty("traceback").ValueKind);
    }

    [Fact]
    public void EncodeEmptyResultWritesNull()
    {
        using JsonDocument document = JsonDocument.Parse(ResultCodec.Encode(TaskId, TaskState.Started, ReadOnlySpan<byte>.Empty));
        Assert.Equal("STARTED", document.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("result").ValueKind);
    }

    [Fact]
    public void EncodeFailureWritesTheKombuExceptionAndTraceback()
    {
        byte[] exception = ResultCodec.EncodeException(new RemoteException("DivideByZeroException", "Attempted to divide by zero.", "System"));
        Assert.Equal(
            "{\"exc_type\":\"DivideByZeroException\",\"exc_message\":[\"Attempted to divide by zero.\"],\"exc_module\":\"System\"}",
            Encoding.UTF8.GetString(exception));

        byte[] body = ResultCodec.Encode(TaskId, TaskState.Failure, exception, "at Tasks.Divide()");
        using JsonDocument document = JsonDocument.Parse(body);
        Assert.Equal("FAILURE", document.RootElement.GetProperty("status").GetString());
        Assert.Equal("at Tasks.Divide()", document.RootElement.GetProperty("traceback").GetString());
        Assert.Equal(Encoding.UTF8.GetString(exception), document.RootElement.GetProperty("result").GetRawText());
    }

    [Fact]
    public void EncodeExceptionWithoutModuleSaysBuiltins()
    {
        using JsonDocument document = JsonDocument.Parse(ResultCodec.EncodeException(new RemoteException("Oops", "bad", null)));
        Assert.Equal("builtins", document.RootElement.GetProperty("exc_module").GetString());
    }

    [Fact]
    public void EncodeThenDecodeRoundTrips()
    {
        byte[] exception = ResultCodec.EncodeException(new RemoteException("KeyError", "missing", "builtins"));
        ResultMessage message = ResultCodec.Decode(ResultCodec.Encode(TaskId, TaskState.Failure, exception, "trace"), "celery@node1");

        Assert.Equal(TaskId, message.TaskId);
        Assert.Equal(TaskState.Failure, message.State);
        Assert.Equal("trace", message.Traceback);
        Assert.Equal("celery@node1", message.Hostname);
        Assert.Equal(new RemoteException("KeyError", "missing", "builtins"), ResultCodec.DecodeException(message.Result));
    }

    [Fact]
    public void DecodeIgnoresUnknownKeys()
    {
        const string body = """
            {"status": "SUCCESS", "result": 4, "traceback": null, "children": [],
             "date_done": "2024-05-06T07:08:09.123456+00:00",
             "a_future_key": {"nested": [1, {"deeper": null}], "task_id": "not-this-one"},
             "task_id": "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d"}
            """;
        ResultMessage message = ResultCodec.Decode(Encoding.UTF8.GetBytes(body));

        Assert.Equal(TaskId, message.TaskId);
        Assert.Equal(TaskState.Success, message.State);
        Assert.Equal("4", Encoding.UTF8.GetString(message.Result.Span));
        Assert.Null(message.Traceback);
        Assert.Null(message.Hostname);
    }

    [Fact]
    public void DecodeAPythonFailure()
    {
        const string body = """
            {"status": "FAILURE",
             "result": {"exc_type": "ZeroDivisionError", "exc_message": ["division by zero"], "exc_module": "builtins"},
             "traceback": "Traceback (most recent call last):\n  ...\nZeroDivisionError: division by zero\n",
             "children": [], "date_done": "2024-05-06T07:08:09.123456", "task_id": "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d"}
            """;
        ResultMessage message = ResultCodec.Decode(Encoding.UTF8.GetBytes(body));

        Assert.Equal(TaskState.Failure, message.State);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", message.Traceback);
        RemoteException exception = ResultCodec.DecodeException(message.Result);
        Assert.Equal("ZeroDivisionError", exception.Type);
        Assert.Equal("division by zero", exception.Message);
        Assert.Equal("builtins", exception.Module);
    }

    [Fact]
    public void DecodeExceptionPlainStringMessage()
    {
        RemoteException exception = ResultCodec.DecodeException(
            Encoding.UTF8.GetBytes("{\"exc_type\": \"ValueError\", \"exc_message\": \"bad value\", \"exc_module\": \"builtins\"}"));
        Assert.Equal(new RemoteException("ValueError", "bad value", "builtins"), exception);
    }

    [Fact]
    public void DecodeExceptionSeveralArgumentsAreJoined()
    {
        RemoteException exception = ResultCodec.DecodeException(
            Encoding.UTF8.GetBytes("{\"exc_type\": \"OSError\", \"exc_message\": [2, \"No such file\", null], \"exc_module\": \"builtins\"}"));
        Assert.Equal("2, No such file, null", exception.Message);
    }

    [Fact]
    public void DecodeExceptionNotAnObjectIsDescribedAsItIs()
    {
        RemoteException exception = ResultCodec.DecodeException(Encoding.UTF8.GetBytes("\"it broke\""));
        Assert.Equal("Exception", exception.Type);
        Assert.Equal("\"it broke\"", exception.Message);
        Assert.Null(exception.Module);
    }

    [Fact]
    public void DecodeAPythonResultWithNaN()
    {
        const string body = """
            {"task_id": "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d", "status": "SUCCESS",
             "result": [NaN, -Infinity, Infinity, 1.5], "traceback": null, "children": []}
            """;
        ResultMessage message = ResultCodec.Decode(Encoding.UTF8.GetBytes(body));

        Assert.Equal(TaskState.Success, message.State);
        var reader = new Utf8JsonReader(message.Result.Span);
        reader.Read();
        List<double> values = TaskJson.ReadList(ref reader, TaskJson.ReadDouble);
        Assert.Equal(new[] { double.NaN, double.NegativeInfinity, double.PositiveInfinity, 1.5 }, values);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"status\": \"SUCCESS\", \"result\": 1}")]
    [InlineData("{\"task_id\": ")]
    public void DecodeNotAResultThrows(string body)
    {
        Assert.ThrowsAny<JsonException>(() => ResultCodec.Decode(Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData("PENDING", TaskState.Pending)]
    [InlineData("STARTED", TaskState.Started)]
    [InlineData("RETRY", TaskState.Retry)]
    [InlineData("SUCCESS", TaskState.Success)]
    [InlineData("FAILURE", TaskState.Failure)]
    [InlineData("REVOKED", TaskState.Revoked)]
    public void DecodeReadsEveryState(string status, TaskState state)
    {
        string body = "{\"task_id\": \"" + TaskId + "\", \"status\": \"" + status + "\", \"result\": null}";
        Assert.Equal(state, ResultCodec.Decode(Encoding.UTF8.GetBytes(body)).State);
        Assert.Contains("\"status\":\"" + status + "\"", Encoding.UTF8.GetString(ResultCodec.Encode(TaskId, state, "null"u8)));
    }
}
