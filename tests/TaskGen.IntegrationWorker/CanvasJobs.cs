using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen;

[assembly: TaskQueue("canvas")]

namespace TaskGen.IntegrationWorker;

/// <summary>
/// Tasks that groups, chains and chords are built from, named as the Python test app names its own so that a canvas
/// Python builds can place them on TaskGen workers: numbers in, numbers out, and one that always fails.
/// </summary>
public static class CanvasJobs
{
    /// <summary>Squares a number.</summary>
    [Task(Name = "canvas.square", Queue = "canvas")]
    public static int Square(int x) => x * x;

    /// <summary>Adds two numbers.</summary>
    [Task(Name = "canvas.add", Queue = "canvas")]
    public static int Add(int x, int y) => x + y;

    /// <summary>Sums a chord's results (or any list).</summary>
    [Task(Name = "canvas.total", Queue = "canvas")]
    public static int Total(List<int> values) => values.Sum();

    /// <summary>Shows a list in the order it arrived, so a chord's ordering can be checked.</summary>
    [Task(Name = "canvas.join", Queue = "canvas")]
    public static string Join(List<int> values) => string.Join(",", values);

    /// <summary>Fails with the given message.</summary>
    [Task(Name = "canvas.boom", Queue = "canvas")]
    public static int Boom(string message) => throw new InvalidOperationException(message);

    /// <summary>Records the id of a task that failed, as an old-style errback receives it, in a file the test reads.</summary>
    [Task(Name = "canvas.record_failure", Queue = "canvas")]
    public static void RecordFailure(string failedId, string path) => System.IO.File.WriteAllText(path, failedId);
}
