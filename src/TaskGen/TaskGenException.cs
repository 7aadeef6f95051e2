using System;

namespace TaskGen;

/// <summary>
/// The base of every exception TaskGen throws, so a caller can catch every TaskGen failure with one clause;
/// each derived type says what went wrong and what to do next.
/// </summary>
/// <remarks>
/// <see cref="RetryException"/> derives from it too, and a task throws that one to ask for a retry: task code that
/// catches <see cref="TaskGenException"/> lets it through (<c>catch (TaskGenException ex) when (ex is not RetryException)</c>),
/// or the retry becomes whatever the handler does.
/// </remarks>
public class TaskGenException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TaskGenException()
        : base("A TaskGen operation failed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public TaskGenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public TaskGenException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
