using System;

namespace TaskGen.Testing;

/// <summary>An assertion of a <see cref="TaskHarness"/> did not hold; the message says what was expected and what was sent.</summary>
public sealed class TaskHarnessAssertionException : Exception
{
    /// <summary>Creates the exception with the message a test runner shows.</summary>
    /// <param name="message">What was expected and what was found.</param>
    public TaskHarnessAssertionException(string message)
        : base(message)
    {
    }
}
