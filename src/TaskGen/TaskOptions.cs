using System;
using System.Collections.Generic;

namespace TaskGen;

/// <summary>
/// Per-call options with the meanings Celery's <c>apply_async</c> gives them. Unset members fall back
/// to the task's declaration and then to the app's configuration.
/// </summary>
public sealed class TaskOptions
{
    /// <summary>The queue to route the call to, overriding the task's declared queue.</summary>
    public string? Queue { get; set; }

    /// <summary>The routing key; with the default exchange this is the queue name.</summary>
    public string? RoutingKey { get; set; }

    /// <summary>The exchange to publish to; empty or null means the default exchange.</summary>
    public string? Exchange { get; set; }

    /// <summary>Run no earlier than this long after sending (sets <c>eta</c>).</summary>
    public TimeSpan? Countdown { get; set; }

    /// <summary>Run no earlier than this moment.</summary>
    public DateTimeOffset? Eta { get; set; }

    /// <summary>Do not run after this moment; an expired task is revoked instead.</summary>
    public DateTimeOffset? Expires { get; set; }

    /// <summary>Do not run when this long has passed since sending; an expired task is revoked instead.</summary>
    public TimeSpan? ExpiresIn { get; set; }

    /// <summary>The message priority (0-255; the queue must support priorities for it to matter, which quorum queues on RabbitMQ 3.x do not).</summary>
    public byte? Priority { get; set; }

    /// <summary>The task id to use instead of a new UUID.</summary>
    public string? TaskId { get; set; }

    /// <summary>Celery's <c>soft_time_limit</c>: the task's cancellation token is signalled after this long.</summary>
    public TimeSpan? SoftTimeLimit { get; set; }

    /// <summary>Celery's <c>time_limit</c>; a TaskGen worker cancels the task's token then too, since it cannot kill a running method.</summary>
    public TimeSpan? TimeLimit { get; set; }

    /// <summary>When true the worker sends no result and the call's result never completes.</summary>
    public bool IgnoreResult { get; set; }

    /// <summary>
    /// Overrides the task's <c>MaxRetries</c> for this call, carried in the <c>taskgen_max_retries</c> header (a Python
    /// Celery worker ignores it and keeps its task's own).
    /// </summary>
    public int? MaxRetries { get; set; }

    /// <summary>Extra message headers, sent as they are beside the protocol's own.</summary>
    public IDictionary<string, object?>? Headers { get; set; }

    /// <summary>Refuses, before anything is sent, the values no worker or broker could honour.</summary>
    /// <param name="now">The moment of sending, which <see cref="Countdown"/> and <see cref="ExpiresIn"/> count from.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; its name is the parameter name.</exception>
    internal void Validate(DateTimeOffset now)
    {
        RequireTimeLimit(TimeLimit, nameof(TimeLimit));
        RequireTimeLimit(SoftTimeLimit, nameof(SoftTimeLimit));
        RequireReachable(now, Countdown, nameof(Countdown));
        RequireReachable(now, ExpiresIn, nameof(ExpiresIn));
        if (MaxRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "TaskOptions.MaxRetries must not be negative; leave it null to keep the task's own.");
        }
    }

    private static void RequireTimeLimit(TimeSpan? limit, string option)
    {
        // A worker waits on a timer for the limit, and no .NET timer waits longer than MaxTimeLimit.
        if (limit is { } value && (value <= TimeSpan.Zero || value > Protocol.TaskMessageCodec.MaxTimeLimit))
        {
            throw new ArgumentOutOfRangeException(option, value,
                $"TaskOptions.{option} must be above zero and at most {Protocol.TaskMessageCodec.MaxTimeLimit} (about 49.7 days, the most a .NET timer waits); leave it null for no limit.");
        }
    }

    private static void RequireReachable(DateTimeOffset now, TimeSpan? offset, string option)
    {
        if (offset is { } value && (value > DateTimeOffset.MaxValue - now || value < DateTimeOffset.MinValue - now))
        {
            throw new ArgumentOutOfRangeException(option, value, $"TaskOptions.{option} {value} puts the moment beyond what a date can hold.");
        }
    }
}
