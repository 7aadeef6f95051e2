using System;
using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TaskGen.Benchmarks.Worker;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Benchmarks.Producer;

/// <summary>
/// The producer-side cost of one <c>Add(2, 3)</c> call before it reaches the transport: the generated
/// stub's signature, the envelope <see cref="TaskApp"/> builds, and the protocol v2 encode.
/// </summary>
[MemoryDiagnoser]
public class ProducerEncodeBenchmarks
{
    private const string ReplyTo = "2b0e8c1a-7f3d-4e5b-a6c9-d8e7f6a5b4c3";

    private readonly ArrayBufferWriter<byte> _output = new(64);
    private Utf8JsonWriter _writer = null!;
    private TaskEnvelope _envelope = null!;

    /// <summary>Builds the envelope once, for the encode-only benchmark.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _writer = new Utf8JsonWriter(_output);
        _envelope = TaskMessages.Envelope(TaskGen.Benchmarks.Tasks.Remote.Arithmetic.Add.Signature(2, 3), Guid.NewGuid().ToString(), ReplyTo);
    }

    /// <summary>The floor: the body <c>[[2,3],{},null]</c> written with a reused writer, no headers.</summary>
    [Benchmark(Baseline = true, Description = "Body only, reused writer")]
    public int BodyOnly()
    {
        _output.ResetWrittenCount();
        _writer.Reset(_output);
        _writer.WriteStartArray();
        _writer.WriteStartArray();
        _writer.WriteNumberValue(2);
        _writer.WriteNumberValue(3);
        _writer.WriteEndArray();
        _writer.WriteStartObject();
        _writer.WriteEndObject();
        _writer.WriteNullValue();
        _writer.WriteEndArray();
        _writer.Flush();
        return _output.WrittenCount;
    }

    /// <summary><see cref="TaskMessageCodec.Encode"/> of a prepared envelope: body, headers and properties.</summary>
    [Benchmark(Description = "TaskMessageCodec.Encode")]
    public object Encode() => TaskMessageCodec.Encode(_envelope);

    /// <summary>What a call pays per task: <c>Add.Signature(2, 3)</c>, a new task id, the envelope and the encode.</summary>
    [Benchmark(Description = "Signature(2, 3) + envelope + Encode")]
    public object SignatureAndEncode() =>
        TaskMessageCodec.Encode(TaskMessages.Envelope(TaskGen.Benchmarks.Tasks.Remote.Arithmetic.Add.Signature(2, 3), Guid.NewGuid().ToString(), ReplyTo));
}
