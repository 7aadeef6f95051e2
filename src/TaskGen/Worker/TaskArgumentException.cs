using System;

namespace TaskGen.Worker;

/// <summary>
/// Raised when a request's arguments do not fit the task: too many, missing, unexpected or of the wrong
/// type. The message names the argument, and the failure reaches the caller as a <c>TypeError</c>, as it
/// would in Python.
/// </summary>
public sealed class TaskArgumentException : TaskGenException
{
    private TaskArgumentException(string taskName, string? argument, string message, Exception? inner = null)
        : base(message, inner)
    {
        TaskName = taskName;
        Argument = argument;
    }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>The argument concerned, when one is.</summary>
    public string? Argument { get; }

    /// <summary>Creates the error for more positional arguments than the task has parameters.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="expected">How many parameters the task takes.</param>
    /// <param name="given">How many positional arguments were sent.</param>
    public static TaskArgumentException TooManyPositional(string taskName, int expected, int given) =>
        new(taskName, null, $"{taskName}() takes {expected} positional argument{(expected == 1 ? string.Empty : "s")} but {given} were given.");

    /// <summary>Creates the error for a required argument that was not sent.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="argument">The missing argument.</param>
    public static TaskArgumentException Missing(string taskName, string argument) =>
        new(taskName, argument, $"{taskName}() missing required argument: '{argument}'.");

    /// <summary>Creates the error for an argument sent both by position and by name.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="argument">The argument.</param>
    public static TaskArgumentException Duplicate(string taskName, string argument) =>
        new(taskName, argument, $"{taskName}() got multiple values for argument '{argument}'.");

    /// <summary>Creates the error for a keyword argument the task does not have.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="argument">The unexpected keyword.</param>
    public static TaskArgumentException UnexpectedKeyword(string taskName, string? argument) =>
        new(taskName, argument, $"{taskName}() got an unexpected keyword argument '{argument}'.");

    /// <summary>Creates the error for an argument whose value cannot be read as the parameter's type.</summary>
    /// <param name="taskName">The task name.</param>
    /// <param name="argument">The argument being read, or null when the arguments themselves are malformed.</param>
    /// <param name="inner">The reading error.</param>
    public static TaskArgumentException Invalid(string taskName, string? argument, Exception inner) =>
        new(taskName, argument, argument is null
            ? $"{taskName}() arguments could not be read: {inner.Message}"
            : $"{taskName}() argument '{argument}' could not be read: {inner.Message}", inner);
}
