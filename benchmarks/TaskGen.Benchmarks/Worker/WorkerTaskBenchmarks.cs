using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using TaskGen.Benchmarks.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Benchmarks.Worker;

/// <summary>
/// The worker-side cost of one <c>Add(2, 3)</c>: what a worker does between receiving the message and
/// publishing the result, without the transport. Every method returns what it produced, so nothing is
/// optimized away.
/// </summary>
[MemoryDiagnoser]
public class WorkerTaskBenchmarks
{
    private static readonly byte[] s_args = "[2, 3]"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _output = new(64);
    private readonly ReflectionDispatcher _reflection = new ReflectionDispatcher().Register(typeof(Arithmetic));
    private readonly TaskModule _module = TaskGen.Generated.TaskGenBenchmarksTaskModule.Instance;

    private Utf8JsonWriter _writer = null!;
    private TransportMessage _message = null!;
    private TaskRequest _request = null!;

    /// <summary>Builds the message a producer sends for <c>Add.Signature(2, 3)</c>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _writer = new Utf8JsonWriter(_output);
        TaskEnvelope envelope = TaskMessages.Envelope(
            TaskGen.Benchmarks.Tasks.Remote.Arithmetic.Add.Signature(2, 3),
            "6f0b3b57-5a2c-4bb5-9d1e-6a8c2b7e4f10",
            "2b0e8c1a-7f3d-4e5b-a6c9-d8e7f6a5b4c3");
        _message = TaskMessages.AsDelivered(envelope);
        _request = TaskMessageCodec.Decode(_message);

        // Fail here, not in a report, if a path computes something else.
        int direct = DirectCall();
        byte[] taskGen = TaskGenWorker();
        byte[] reflection = ReflectionWorker();
        if (direct != 1 || taskGen.AsSpan().IndexOf("\"result\":5,"u8) < 0 || reflection.AsSpan().IndexOf("\"result\":5,"u8) < 0)
        {
            throw new InvalidOperationException("A benchmark path does not produce Add(2, 3) = 5.");
        }
    }

    /// <summary>
    /// The floor: <c>Add(a, b)</c> called directly, the arguments read from <c>[2, 3]</c> with a
    /// <see cref="Utf8JsonReader"/> and the result written with a reused <see cref="Utf8JsonWriter"/>.
    /// </summary>
    [Benchmark(Baseline = true, Description = "Direct call + minimal JSON")]
    public int DirectCall()
    {
        var reader = new Utf8JsonReader(s_args);
        reader.Read();
        reader.Read();
        int a = reader.GetInt32();
        reader.Read();
        int b = reader.GetInt32();
        int result = Arithmetic.Add(a, b);

        _output.ResetWrittenCount();
        _writer.Reset(_output);
        _writer.WriteNumberValue(result);
        _writer.Flush();
        return _output.WrittenCount;
    }

    /// <summary>
    /// The floor of the protocol's JSON: the body split into args, kwargs and embed, the arguments read,
    /// <c>Add(a, b)</c> called directly, and the <c>rpc://</c> result message written — with TaskGen's own
    /// codec functions, but no headers, no request objects and no dispatch.
    /// </summary>
    [Benchmark(Description = "Direct call + protocol JSON")]
    public byte[] DirectCallProtocolJson()
    {
        (ReadOnlyMemory<byte> args, _, _) = TaskMessageCodec.SplitBody(null, null, _message.Body);
        var reader = new Utf8JsonReader(args.Span);
        reader.Read();
        reader.Read();
        int a = reader.GetInt32();
        reader.Read();
        int b = reader.GetInt32();
        int result = Arithmetic.Add(a, b);

        _output.ResetWrittenCount();
        _writer.Reset(_output);
        _writer.WriteNumberValue(result);
        _writer.Flush();
        return ResultCodec.Encode(_request.Id, TaskState.Success, _output.WrittenSpan);
    }

    /// <summary>
    /// The TaskGen worker path: decode the message (headers, properties, body), build the invocation as
    /// the worker does, dispatch through the generated module, which writes the <c>rpc://</c> result message.
    /// </summary>
    [Benchmark(Description = "TaskGen: decode → dispatch → encode")]
    public byte[] TaskGenWorker()
    {
        TaskRequest request = TaskMessageCodec.Decode(_message);
        var invocation = new TaskInvocation(request, TaskMessages.NodeName, "celery", CancellationToken.None);
        ValueTask dispatched = _module.DispatchAsync(invocation);
        if (!dispatched.IsCompletedSuccessfully)
        {
            dispatched.AsTask().GetAwaiter().GetResult();
        }

        // The task's writer wrote the result message itself: what the worker's backend publishes as it is.
        return invocation.Result.Encode(request.Id, TaskState.Success, null);
    }

    /// <summary>The same worker path with the generated dispatch replaced by reflection and runtime JSON metadata.</summary>
    [Benchmark(Description = "Reflection: decode → dispatch → encode")]
    public byte[] ReflectionWorker()
    {
        TaskRequest request = TaskMessageCodec.Decode(_message);
        byte[] result = _reflection.Invoke(request.Name, request.Args.Span);
        return ResultCodec.Encode(request.Id, TaskState.Success, result);
    }

    /// <summary>Only the generated dispatch: arguments read, method called, result written, on a decoded request.</summary>
    [Benchmark(Description = "TaskGen: dispatch only")]
    public int TaskGenDispatch()
    {
        var invocation = new TaskInvocation(_request, TaskMessages.NodeName, "celery", CancellationToken.None);
        ValueTask dispatched = _module.DispatchAsync(invocation);
        if (!dispatched.IsCompletedSuccessfully)
        {
            dispatched.AsTask().GetAwaiter().GetResult();
        }

        return invocation.ResultJson.Length;
    }

    /// <summary>Only the reflection dispatch: <see cref="System.Reflection.MethodInfo"/> by name, JsonSerializer in, Invoke, JsonSerializer out.</summary>
    [Benchmark(Description = "Reflection: dispatch only")]
    public int ReflectionDispatch() => _reflection.Invoke(_request.Name, _request.Args.Span).Length;

    /// <summary>Only the message decode: headers, properties and the body split.</summary>
    [Benchmark(Description = "TaskGen: decode only")]
    public TaskRequest DecodeOnly() => TaskMessageCodec.Decode(_message);

    /// <summary>Only the result message encode.</summary>
    [Benchmark(Description = "TaskGen: result encode only")]
    public byte[] ResultEncodeOnly() => ResultCodec.Encode(_request.Id, TaskState.Success, "5"u8);
}
