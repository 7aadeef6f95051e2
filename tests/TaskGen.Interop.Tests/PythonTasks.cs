using System;
using TaskGen;

[assembly: TaskQueue("py")]

namespace TaskGen.Interop.Tests;

/// <summary>
/// Typed stubs for tasks that Python workers run: the names match the Python app's, and the bodies
/// never run here, because no .NET worker consumes the <c>py</c> queue.
/// </summary>
public static class PythonTasks
{
    /// <summary>Python's <c>tasks.add(x, y)</c>.</summary>
    [Task(Name = "tasks.add", Queue = "py")]
    public static int Add(int x, int y) => throw RunsInPython();

    /// <summary>Python's <c>tasks.div(a, b)</c>, which raises ZeroDivisionError on a zero divisor.</summary>
    [Task(Name = "tasks.div", Queue = "py")]
    public static double Div(double a, double b) => throw RunsInPython();

    /// <summary>Python's <c>tasks.greet(name, greeting='Hello')</c>.</summary>
    [Task(Name = "tasks.greet", Queue = "py")]
    public static string Greet(string name, string greeting = "Hello") => throw RunsInPython();

    /// <summary>Python's <c>tasks.sleep(seconds)</c>.</summary>
    [Task(Name = "tasks.sleep", Queue = "py")]
    public static double Sleep(double seconds) => throw RunsInPython();

    /// <summary>Python's <c>tasks.flaky(failures)</c>: retried by <c>autoretry_for=(TimeoutError,)</c>, at most 3 times.</summary>
    [Task(Name = "tasks.flaky", Queue = "py")]
    public static int Flaky(int failures) => throw RunsInPython();

    /// <summary>Python's <c>tasks.retry_explicitly(failures)</c>: <c>raise self.retry(exc=ValueError(...))</c>, at most 2 times.</summary>
    [Task(Name = "tasks.retry_explicitly", Queue = "py")]
    public static int RetryExplicitly(int failures) => throw RunsInPython();

    /// <summary>Python's <c>tasks.collect(values, label)</c>: a chord body that returns its label and the values it received, in order.</summary>
    [Task(Name = "tasks.collect", Queue = "py")]
    public static string Collect(System.Collections.Generic.List<int> values, string label) => throw RunsInPython();

    private static NotSupportedException RunsInPython() => new("This task runs on Python workers.");
}
