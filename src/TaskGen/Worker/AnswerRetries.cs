using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Keeps the outcome of a task that ran when the result backend cannot store it (Redis down): the message stays
/// unacknowledged while storing is tried again with back-off, for up to <see cref="TaskAppOptions.WorkerResultStoreRetryTime"/>,
/// and only then goes to the dead-letter queue with its outcome in a header, and is acknowledged. A run is never
/// repeated because its result could not be stored, and its message is never dropped for it.
/// </summary>
internal sealed partial class AnswerRetries(WorkerContext worker, ILogger logger)
{
    /// <summary>The header of a dead letter that holds the outcome no backend took: Celery's result JSON, when small enough.</summary>
    public const string ResultHeader = "x-taskgen-result";

    /// <summary>The header of a dead letter that names the outcome's state (SUCCESS, FAILURE...), whatever its size.</summary>
    public const string StateHeader = "x-taskgen-result-state";

    // The broker puts every header in one frame (128 KiB by default): a larger one would close the channel.
    private const int MaxResultHeaderBytes = 32 * 1024;

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tries <paramref name="store"/> again until it answers true or the bound is spent. True once the outcome is
    /// stored (the caller settles the message as answered); false when the message is already settled here:
    /// dead-lettered with its outcome and acknowledged, or, when that cannot be done, handed back to the broker.
    /// </summary>
    public async ValueTask<bool> KeepAsync(Delivery delivery, TaskRequest request, TaskState state, ResultBody resultJson, string? traceback, Func<ValueTask<bool>> store)
    {
        TimeSpan bound = worker.ResultStoreRetryTime;
        LogHolding(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), bound.TotalSeconds);
        long started = Stopwatch.GetTimestamp();
        TimeSpan pause = FirstPause;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(delivery.Lost, worker.Abort);
        while (!stop.IsCancellationRequested)
        {
            TimeSpan left = bound - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await Task.Delay(pause < left ? pause : left, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
            try
            {
                if (await store().ConfigureAwait(false))
                {
                    LogStored(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), Stopwatch.GetElapsedTime(started).TotalSeconds);
                    return true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStoreError(logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name));
            }
        }

        if (delivery.Lost.IsCancellationRequested)
        {
            // The broker took the message back with its channel and delivers it again: nothing here can settle it.
            LogLost(logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            return false;
        }

        if (!worker.AcksLate)
        {
            // Acknowledged when it started, the message is no longer ours to keep: only the log has the outcome.
            LogGivenUp(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), state.ToString().ToUpperInvariant());
            return false;
        }

        await DeadLetterAsync(delivery, request, state, resultJson, traceback).ConfigureAwait(false);
        return false;
    }

    private async ValueTask DeadLetterAsync(Delivery delivery, TaskRequest request, TaskState state, ResultBody resultJson, string? traceback)
    {
        string stateName = state.ToString().ToUpperInvariant();
        if (string.IsNullOrEmpty(worker.DeadLetterQueue))
        {
            // Nowhere to keep it but its own queue: running it again beats losing it.
            LogNoDeadLetterQueue(logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            return;
        }

        TransportMessage original = delivery.Message;
        var headers = new Dictionary<string, object?>(original.Headers, StringComparer.Ordinal)
        {
            [StateHeader] = stateName,

            // Where it came from, as the broker writes it for what it dead-letters, so that a replay finds its queue.
            ["x-first-death-queue"] = delivery.Queue,
            ["x-first-death-reason"] = "result-not-stored",
            ["x-first-death-exchange"] = original.Exchange,
        };
        byte[] outcome = resultJson.Encode(request.Id, state, traceback);
        if (outcome.Length <= MaxResultHeaderBytes)
        {
            headers[ResultHeader] = Encoding.UTF8.GetString(outcome);
        }

        var letter = new TransportMessage(worker.DeadLetterQueue, delivery.Queue, original.Properties, headers, original.Body);
        try
        {
            await worker.Publisher.PublishAsync(letter, request.Id, request.Name, worker.DeadLetterQueue, SendKind.Copy, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The broker is in trouble too: the message goes back rather than be lost, and may run again.
            LogDeadLetterFailed(logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name));
            await delivery.RejectAsync(requeue: true).ConfigureAwait(false);
            return;
        }

        LogDeadLettered(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), stateName, LogText.Escape(worker.DeadLetterQueue));
        await delivery.AckAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result of task {TaskId} ({TaskName}) could not be stored; its message is held and storing is tried again for up to {Seconds:0.###} s.")]
    private static partial void LogHolding(ILogger logger, string taskId, string taskName, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The result of task {TaskId} ({TaskName}) was stored after {Seconds:0.###} s; its message is acknowledged.")]
    private static partial void LogStored(ILogger logger, string taskId, string taskName, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the result of task {TaskId} ({TaskName}) failed again.")]
    private static partial void LogStoreError(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) lost its channel while its result waited to be stored; the broker delivers it again.")]
    private static partial void LogLost(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {State} result of task {TaskId} ({TaskName}) could not be stored in time and is lost: its message was acknowledged when it started (TaskAcksLate is off).")]
    private static partial void LogGivenUp(ILogger logger, string taskId, string taskName, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "The result of task {TaskId} ({TaskName}) could not be stored in time and no DeadLetterQueue is set; its message goes back to the queue and runs again.")]
    private static partial void LogNoDeadLetterQueue(ILogger logger, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The result of task {TaskId} ({TaskName}) could not be stored, nor its message dead-lettered; it goes back to the queue and may run again.")]
    private static partial void LogDeadLetterFailed(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {State} result of task {TaskId} ({TaskName}) could not be stored in time; its message went to {Queue} with the result in its x-taskgen-result header, and is acknowledged.")]
    private static partial void LogDeadLettered(ILogger logger, string taskId, string taskName, string state, string queue);
}
