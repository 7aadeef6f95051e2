using System;
using System.Text.Json;
using System.Threading;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Worker;

/// <summary>One run of one task on a worker: the decoded request, what the task may receive, and its result.</summary>
public sealed class TaskInvocation
{
    private byte[]? _result;

    /// <summary>Creates an invocation; workers do this for every request they run.</summary>
    /// <param name="request">The decoded request.</param>
    /// <param name="context">The context handed to tasks that ask for it.</param>
    /// <param name="cancellationToken">Signalled when the task should stop.</param>
    public TaskInvocation(TaskRequest request, TaskContext context, CancellationToken cancellationToken)
    {
        Request = request;
        Context = context;
        CancellationToken = cancellationToken;
    }

    /// <summary>The decoded request.</summary>
    public TaskRequest Request { get; }

    /// <summary>The context handed to tasks that declare a <see cref="TaskContext"/> parameter.</summary>
    public TaskContext Context { get; }

    /// <summary>The token handed to tasks that declare a <see cref="System.Threading.CancellationToken"/> parameter.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The positional arguments as a JSON array.</summary>
    public ReadOnlySpan<byte> Args => Request.Args.Span;

    /// <summary>The keyword arguments as a JSON object.</summary>
    public ReadOnlySpan<byte> Kwargs => Request.Kwargs.Span;

    /// <summary>The result's JSON once the task has returned; empty until then, and for tasks without a result.</summary>
    public ReadOnlyMemory<byte> ResultJson => _result;

    /// <summary>Records the task's return value.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="write">Writes the value as JSON.</param>
    public void SetResult<T>(T value, JsonValueWriter<T> write)
    {
        // Written on the thread's scratch and kept as an exact copy: the result's bytes are the only
        // allocation, and a writer that throws leaves no half-written result behind.
        using JsonScratch scratch = JsonScratch.Rent();
        write(scratch.Writer, value);
        _result = scratch.ToArray();
    }

    /// <summary>Counts the positional arguments sent, for the error that says there were too many.</summary>
    public int CountArgs()
    {
        var reader = new Utf8JsonReader(Args);
        int count = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
            count++;
        }

        return count;
    }
}
