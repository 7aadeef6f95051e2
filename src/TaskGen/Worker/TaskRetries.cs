using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Decides whether a failed run is retried and sends the retry as Celery does: the same message (same task id,
/// body, reply queue and headers) back to the queue it came from, with <c>retries</c> counted up and an <c>eta</c>
/// at the end of its countdown. The retry is confirmed by the broker before the failed run's message is
/// acknowledged, so a worker killed in between can repeat a run but never lose one.
/// </summary>
internal sealed partial class TaskRetries(WorkerContext worker, ILogger logger)
{
    /// <summary>The header that carries a call's own <see cref="TaskOptions.MaxRetries"/>.</summary>
    public const string MaxRetriesHeader = "taskgen_max_retries";

    /// <summary>
    /// Says what a run that threw <paramref name="exception"/> leads to: a retry after some countdown, or a failure
    /// with the exception that callers should see (the original one once the retries are spent, as Celery raises it).
    /// </summary>
    public RetryPlan Plan(TaskRequest request, TaskPolicy policy, Exception exception)
    {
        var explicitRetry = exception as RetryException;
        if (explicitRetry is null && policy.RetryFor?.Invoke(exception) != true)
        {
            return RetryPlan.Fail(exception);
        }

        Exception? reason = explicitRetry is null ? exception : explicitRetry.InnerException;
        if (request.FromBroadcast)
        {
            // Sent back to the fanout exchange, a retry would run again on every worker, where it succeeded too.
            LogBroadcastNotRetried(logger, LogText.Escape(request.Id), LogText.Escape(request.Name));
            return RetryPlan.Fail(reason ?? Exhausted(request, 0));
        }

        int max = explicitRetry?.MaxRetries ?? HeaderMaxRetries(request) ?? policy.MaxRetries;
        if (request.Retries >= max)
        {
            LogExhausted(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), max);
            return RetryPlan.Fail(reason ?? Exhausted(request, max));
        }

        TimeSpan countdown = explicitRetry is not null
            ? explicitRetry.Countdown ?? policy.DefaultRetryDelay
            : policy.BackoffDelay(request.Retries, Random.Shared);
        return new RetryPlan(true, countdown, reason);
    }

    /// <summary>
    /// Publishes the retry and waits for the broker's confirmation. False when it could not be sent; the reason
    /// is logged, and <paramref name="unroutable"/> says whether the queue itself is gone (sending again cannot help).
    /// </summary>
    public async ValueTask<bool> SendAsync(Delivery delivery, TaskRequest request, TimeSpan countdown, Action<bool> unroutable)
    {
        TransportMessage original = delivery.Message;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset eta = countdown >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + countdown;
        var headers = new Dictionary<string, object?>(original.Headers, StringComparer.Ordinal)
        {
            ["retries"] = request.Retries + 1,
            ["eta"] = IsoDates.Format(eta),
        };

        // On a quorum queue a retry a second or more away waits in the broker's delay levels instead of a worker's memory.
        TransportMessage retry = TaskMessageCopy.Create(worker, delivery, request, headers, eta, now);
        try
        {
            await worker.Publisher.PublishAsync(retry, request.Id, request.Name, delivery.Queue, SendKind.Retry, CancellationToken.None).ConfigureAwait(false);
            LogRetrySent(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), request.Retries + 1, countdown.TotalSeconds, delivery.Queue);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRetryNotSent(logger, ex, LogText.Escape(request.Id), LogText.Escape(request.Name));
            unroutable(ex is MessageNotRoutedException);
            return false;
        }
    }

    private static int? HeaderMaxRetries(TaskRequest request) =>
        request.Headers.TryGetValue(MaxRetriesHeader, out object? value) && TaskMessageCodec.HeaderText(value) is { } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int max) ? max : null;

    private static MaxRetriesExceededException Exhausted(TaskRequest request, int max) =>
        new($"Can't retry {request.Name}[{request.Id}]: it has been retried {request.Retries} time(s) and may be retried {max}.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) is retried ({Retries}) in {Seconds:0.###} s on queue {Queue}.")]
    private static partial void LogRetrySent(ILogger logger, string taskId, string taskName, int retries, double seconds, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "The retry of task {TaskId} ({TaskName}) could not be sent.")]
    private static partial void LogRetryNotSent(ILogger logger, Exception exception, string taskId, string taskName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) has spent its {MaxRetries} retries; it fails with its exception.")]
    private static partial void LogExhausted(ILogger logger, string taskId, string taskName, int maxRetries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) came from a broadcast queue and is not retried: a retry would run it again on every worker.")]
    private static partial void LogBroadcastNotRetried(ILogger logger, string taskId, string taskName);
}

/// <summary>What a failed run leads to.</summary>
/// <param name="Retry">Whether the task is sent again.</param>
/// <param name="Countdown">How long the retry waits.</param>
/// <param name="Reason">The exception that fails the task, or why it retries; null for a retry without a reason.</param>
internal readonly record struct RetryPlan(bool Retry, TimeSpan Countdown, Exception? Reason)
{
    public static RetryPlan Fail(Exception exception) => new(false, TimeSpan.Zero, exception);
}
