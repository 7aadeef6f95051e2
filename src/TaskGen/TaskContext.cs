using System.Collections.Generic;
using System.Threading;

namespace TaskGen;

/// <summary>
/// What a running task may know about its own request; declare a parameter of this type to receive it.
/// The worker supplies it, so it is never part of the task's arguments on the wire.
/// </summary>
public sealed class TaskContext
{
    private IReadOnlyDictionary<string, object?>? _headers;

    /// <summary>Creates a context; workers do this for every request.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="name">The task name.</param>
    /// <param name="hostname">The node name of the worker running the task.</param>
    public TaskContext(string id, string name, string hostname)
    {
        Id = id;
        Name = name;
        Hostname = hostname;
    }

    /// <summary>The task id (a UUID string).</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The node name (<c>name@host</c>) of the worker running the task.</summary>
    public string Hostname { get; }

    /// <summary>How many times the task has been retried.</summary>
    public int Retries { get; init; }

    /// <summary>The id of the first task of the workflow this task belongs to.</summary>
    public string? RootId { get; init; }

    /// <summary>The id of the task that sent this one, if any.</summary>
    public string? ParentId { get; init; }

    /// <summary>The queue the message was consumed from.</summary>
    public string? Queue { get; init; }

    /// <summary>
    /// Every header of the message, custom ones included (<c>apply_async(headers=...)</c>). AMQP long
    /// strings arrive as UTF-8 byte arrays; <see cref="Header"/> decodes them.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Headers
    {
        // Created on first read when not given: workers always give it, and an initializer would
        // allocate a dictionary per task only to drop it.
        get => _headers ??= new Dictionary<string, object?>();
        init => _headers = value;
    }

    /// <summary>Returns a header as text, or null when the message has no such header.</summary>
    /// <param name="name">The header name.</param>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out object? value) ? Protocol.TaskMessageCodec.HeaderText(value) : null;

    /// <summary>Signalled when the worker is shutting down past its grace period.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>The moment the message asked to run no earlier than (its <c>eta</c>; a retry's is its countdown's end), or null.</summary>
    public System.DateTimeOffset? Eta { get; init; }

    /// <summary>
    /// Returns a <see cref="RetryException"/> to throw, which runs the task again after <paramref name="countdown"/>
    /// (Celery's <c>raise self.retry(exc=..., countdown=...)</c>); once the retries are spent, <paramref name="exception"/>
    /// fails the task instead.
    /// </summary>
    /// <param name="countdown">How long to wait; null for the task's <c>DefaultRetryDelay</c>.</param>
    /// <param name="exception">Why the task retries; null fails a task whose retries are spent with <see cref="MaxRetriesExceededException"/>.</param>
    /// <param name="maxRetries">Overrides the task's <c>MaxRetries</c> for this retry.</param>
    public RetryException Retry(System.TimeSpan? countdown = null, System.Exception? exception = null, int? maxRetries = null) =>
        new(countdown, exception, maxRetries);
}
