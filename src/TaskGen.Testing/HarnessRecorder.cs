using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Testing;

/// <summary>
/// Watches the harness app's publisher (every task message, whoever sends it) and wraps every run of its worker, so the
/// harness knows what was sent, what ran with what outcome, and whether anything is still on its way.
/// </summary>
internal sealed class HarnessRecorder : ISendObserver, ITaskFilter
{
    private readonly object _gate = new();
    private readonly List<SentTask> _sent = [];
    private readonly List<TaskRun> _runs = [];
    private int _publishing;
    private int _running;

    /// <summary>Finds a task's parameter names, for reads by name; set once the app is built.</summary>
    public Func<string, IReadOnlyList<string>> Parameters { get; set; } = static _ => [];

    public bool Enabled => true;

    /// <summary>Publishes begun and not yet confirmed: a <c>Delay</c> publishes in the background.</summary>
    public int Publishing => Volatile.Read(ref _publishing);

    /// <summary>Task runs begun and not yet returned.</summary>
    public int Running => Volatile.Read(ref _running);

    public IReadOnlyList<SentTask> SentTasks
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    public IReadOnlyList<TaskRun> Runs
    {
        get
        {
            lock (_gate)
            {
                return [.. _runs];
            }
        }
    }

    public IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind)
    {
        Interlocked.Increment(ref _publishing);

        // A copy (a hold handed back, a dead letter) is the same message again, not a send of the code under test.
        if (kind == SendKind.Copy)
        {
            return null;
        }

        string args = string.Empty;
        string kwargs = string.Empty;
        int retries = 0;
        try
        {
            TaskRequest request = TaskMessageCodec.Decode(message, int.MaxValue);
            args = HarnessJson.Compact(request.Args.Span);
            kwargs = HarnessJson.Compact(request.Kwargs.Span);
            retries = request.Retries;
        }
        catch (Exception ex) when (ex is MalformedMessageException or System.Text.Json.JsonException)
        {
            // Recorded all the same, with the body as text, so that the test sees the send that went wrong.
            args = "\"" + Encoding.UTF8.GetString(message.Body.Span).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        }

        // Recorded before the message goes out, so that a worker that runs it at once never finishes a task the
        // harness has not yet seen sent; a publish that fails takes its record back.
        var sent = new SentTask(taskId, taskName, queue, retries, kind == SendKind.Retry, args, kwargs, Parameters(taskName));
        lock (_gate)
        {
            _sent.Add(sent);
        }

        return new Pending(sent);
    }

    public void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure)
    {
        if (scope is Pending pending && failure is not null)
        {
            lock (_gate)
            {
                _sent.Remove(pending.Task);
            }
        }

        Interlocked.Decrement(ref _publishing);
    }

    public async ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await next(invocation).ConfigureAwait(false);
            ReadOnlyMemory<byte> result = invocation.ResultJson;
            Record(new TaskRun(invocation.Request.Id, invocation.Request.Name, invocation.Request.Retries, result.IsEmpty ? null : Encoding.UTF8.GetString(result.Span), null));
        }
        catch (Exception ex)
        {
            Record(new TaskRun(invocation.Request.Id, invocation.Request.Name, invocation.Request.Retries, null, ex));
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private void Record(TaskRun run)
    {
        lock (_gate)
        {
            _runs.Add(run);
        }
    }

    private sealed record Pending(SentTask Task) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
