using System;

namespace TaskGen;

/// <summary>
/// Thrown from a task to run it again later (Celery's <c>Retry</c>): the worker sends the same task id back to its
/// queue with one more retry counted, unless the task's retries are spent, in which case <see cref="Exception.InnerException"/>
/// (or a <see cref="MaxRetriesExceededException"/>) fails it. <see cref="TaskContext.Retry"/> builds one.
/// </summary>
public sealed class RetryException : TaskGenException
{
    /// <summary>Asks for a retry after the task's default delay.</summary>
    public RetryException()
        : this((TimeSpan?)null, null)
    {
    }

    /// <summary>Asks for a retry after <paramref name="countdown"/>, for the reason <paramref name="exception"/>.</summary>
    /// <param name="countdown">How long to wait before the retry; null for the task's default delay.</param>
    /// <param name="exception">Why the task retries; it fails the task when no retry is left.</param>
    /// <param name="maxRetries">Overrides the task's <c>MaxRetries</c> for this retry.</param>
    public RetryException(TimeSpan? countdown, Exception? exception, int? maxRetries = null)
        : base(exception is null ? "Retry requested." : $"Retry requested: {exception.Message}", exception)
    {
        if (countdown is { } value && (value < TimeSpan.Zero || value > TaskAppOptions.MaxWaitDuration))
        {
            throw new ArgumentOutOfRangeException(nameof(countdown), value, $"A retry's countdown must be between zero and {TaskAppOptions.MaxWaitDuration}.");
        }

        if (maxRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRetries), maxRetries, "MaxRetries must not be negative.");
        }

        Countdown = countdown;
        MaxRetries = maxRetries;
    }

    /// <summary>Creates the exception with a message; a retry without a reason, after the default delay.</summary>
    /// <param name="message">The message.</param>
    public RetryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its reason; a retry after the default delay.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">Why the task retries.</param>
    public RetryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How long to wait before the retry; null for the task's default delay.</summary>
    public TimeSpan? Countdown { get; }

    /// <summary>Overrides the task's <c>MaxRetries</c> for this retry; null keeps it.</summary>
    public int? MaxRetries { get; }
}

/// <summary>
/// Fails a task that asked for a retry without a reason once its retries are spent (Celery's
/// <c>MaxRetriesExceededError</c>, the type name callers see).
/// </summary>
public sealed class MaxRetriesExceededException : TaskGenException
{
    /// <summary>Creates the exception.</summary>
    public MaxRetriesExceededException()
        : base("The task's retries are spent.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public MaxRetriesExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MaxRetriesExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
