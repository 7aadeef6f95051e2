using System;

namespace TaskGen;

/// <summary>
/// Marks a static method as a task: the generator emits a typed remote stub for it, its argument
/// codec and its case in the worker's dispatch table.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>The name the task answers to on the wire; defaults to <c>Namespace.Class.Method</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The queue the task is routed to unless a call says otherwise; defaults to <c>celery</c>.</summary>
    public string? Queue { get; set; }

    /// <summary>
    /// How many times the task may be retried before its exception fails it (Celery's <c>max_retries</c>, 3 by
    /// default); a call overrides it with <see cref="TaskOptions.MaxRetries"/>.
    /// </summary>
    public int MaxRetries { get; set; } = TaskPolicy.DefaultMaxRetries;

    /// <summary>
    /// The exception types that retry the task by themselves (Celery's <c>autoretry_for</c>); a subclass of a
    /// listed type retries too. Other exceptions fail the task at once.
    /// </summary>
    public Type[]? RetryFor { get; set; }

    /// <summary>
    /// The first automatic retry's delay in seconds, doubled for each retry after it (Celery's <c>retry_backoff</c>);
    /// unset, each retry waits <see cref="DefaultRetryDelay"/>.
    /// </summary>
    public double RetryBackoff { get; set; }

    /// <summary>The longest delay, in seconds, that the backoff grows to (Celery's <c>retry_backoff_max</c>, 600 by default).</summary>
    public double RetryBackoffMax { get; set; } = TaskPolicy.DefaultRetryBackoffMax;

    /// <summary>
    /// Whether each backoff delay is drawn at random between zero and its value (Celery's <c>retry_jitter</c>, on by
    /// default), so that tasks that failed together do not all come back at once.
    /// </summary>
    public bool RetryJitter { get; set; } = true;

    /// <summary>The delay in seconds of a retry that names none, without a backoff (Celery's <c>default_retry_delay</c>, 180).</summary>
    public double DefaultRetryDelay { get; set; } = TaskPolicy.DefaultDefaultRetryDelay;

    /// <summary>
    /// The most runs a worker starts per second, minute or hour (Celery's <c>rate_limit</c>: <c>"10/s"</c>, <c>"100/m"</c>,
    /// <c>"5/h"</c>; a bare number is per second). The limit is per worker, as in Celery.
    /// </summary>
    public string? RateLimit { get; set; }
}
