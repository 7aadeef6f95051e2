using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Worker;

/// <summary>One run of one task on a worker: the decoded request, what the task may receive, and its result.</summary>
public sealed class TaskInvocation
{
    // A success's whole result message, with the value written first in place (ResultCodec.EncodeSuccess): the
    // value is a slice of it, so it is written once and has no array of its own.
    private byte[]? _resultMessage;
    private int _resultEnd;
    private IServiceScope? _scope;
    private TaskContext? _context;

    // What a context made on first read needs besides the request; unused when one was given.
    private readonly string? _hostname;
    private readonly string? _queue;

    /// <summary>Creates an invocation; workers do this for every request they run.</summary>
    /// <param name="request">The decoded request.</param>
    /// <param name="context">The context handed to tasks that ask for it.</param>
    /// <param name="cancellationToken">Signalled when the task should stop.</param>
    internal TaskInvocation(TaskRequest request, TaskContext context, CancellationToken cancellationToken)
    {
        Request = request;
        _context = context;
        CancellationToken = cancellationToken;
    }

    /// <summary>
    /// Creates an invocation whose <see cref="Context"/> is made from the request on first read, as workers do: most
    /// tasks never ask for one, so they do not pay for it.
    /// </summary>
    /// <param name="request">The decoded request.</param>
    /// <param name="hostname">The node name (<c>name@host</c>) of the worker running the task.</param>
    /// <param name="queue">The queue the message was consumed from.</param>
    /// <param name="cancellationToken">Signalled when the task should stop; also the context's token.</param>
    internal TaskInvocation(TaskRequest request, string hostname, string? queue, CancellationToken cancellationToken)
    {
        Request = request;
        _hostname = hostname;
        _queue = queue;
        CancellationToken = cancellationToken;
    }

    /// <summary>The decoded request.</summary>
    public TaskRequest Request { get; }

    /// <summary>The context handed to tasks that declare a <see cref="TaskContext"/> parameter.</summary>
    public TaskContext Context
    {
        get
        {
            TaskContext? context = _context;
            if (context is not null)
            {
                return context;
            }

            // One context per run, even if two threads ask at once: a task may keep and compare it.
            context = CreateContext();
            return Interlocked.CompareExchange(ref _context, context, null) ?? context;
        }
    }

    /// <summary>The token handed to tasks that declare a <see cref="System.Threading.CancellationToken"/> parameter.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The container this run's service scope is created from; null when the app was built outside a host.</summary>
    internal IServiceProvider? Services { get; init; }

    /// <summary>
    /// Resolves a <c>[FromServices]</c> parameter from a scope created for this run on first use and disposed when
    /// the task has finished, as ASP.NET Core scopes a request's services.
    /// </summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <exception cref="InvalidOperationException">The app has no container, or the service is not registered in it.</exception>
    public T GetRequiredService<T>()
        where T : notnull
    {
        IServiceProvider root = Services ?? throw new InvalidOperationException(
            $"Task {Request.Name} takes a [FromServices] parameter of type {typeof(T).FullName}, but its app was built outside a host: register it with services.AddTaskGen(...) so that tasks can take services.");
        _scope ??= root.CreateScope();
        return _scope.ServiceProvider.GetRequiredService<T>();
    }

    /// <summary>The task's code, from its registered definition; set by the worker.</summary>
    internal TaskRunDelegate? Target { get; init; }

    /// <summary>Runs the task's code, at the end of a filter chain or without one.</summary>
    internal ValueTask DispatchAsync() =>
        (Target ?? throw new InvalidOperationException($"Task {Request.Name} has no code to run it.")).Invoke(this);

    /// <summary>
    /// Runs the task, through <paramref name="filters"/> when the worker has any, then disposes the services the run
    /// took, once it has really finished: a filter's code after the task still has the run's scope.
    /// </summary>
    internal ValueTask RunAsync(TaskRunDelegate? filters)
    {
        ValueTask run = filters is null ? DispatchAsync() : filters(this);
        if (_scope is null && run.IsCompletedSuccessfully)
        {
            run.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }

        return AwaitThenReleaseAsync(run);
    }

    private async ValueTask AwaitThenReleaseAsync(ValueTask run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        finally
        {
            if (_scope is { } scope)
            {
                // As CreateAsyncScope's scope disposes: asynchronously when the scope can, so async-only services work.
                await new AsyncServiceScope(scope).DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private TaskContext CreateContext() => new(Request.Id, Request.Name, _hostname!)
    {
        Retries = Request.Retries,
        RootId = Request.RootId,
        ParentId = Request.ParentId,
        Queue = _queue,
        Eta = Request.Eta,
        CancellationToken = CancellationToken,
        Headers = Request.Headers as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(Request.Headers),
    };

    /// <summary>The positional arguments as a JSON array.</summary>
    public ReadOnlySpan<byte> Args => Request.Args.Span;

    /// <summary>The keyword arguments as a JSON object.</summary>
    public ReadOnlySpan<byte> Kwargs => Request.Kwargs.Span;

    /// <summary>The result's JSON once the task has returned; empty until then, and for tasks without a result.</summary>
    public ReadOnlyMemory<byte> ResultJson =>
        _resultMessage is { } message ? message.AsMemory(ResultCodec.SuccessValueStart, _resultEnd - ResultCodec.SuccessValueStart) : default;

    /// <summary>The success's result message around <see cref="ResultJson"/>, which the worker's backend stores as it is.</summary>
    internal ResultBody Result => new(ResultJson, _resultMessage);

    /// <summary>Records the task's return value; it exists for generated code.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="write">Writes the value as JSON.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void SetResult<T>(T value, JsonValueWriter<T> write)
    {
        // Written once, into the message the backend stores, on the thread's scratch and kept as an exact copy: a
        // writer that throws leaves no half-written result behind.
        _resultMessage = ResultCodec.EncodeSuccess(Request.Id, value, write, out _resultEnd);
    }

    /// <summary>Counts the positional arguments sent, for the error that says there were too many.</summary>
    internal int CountArgs()
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
