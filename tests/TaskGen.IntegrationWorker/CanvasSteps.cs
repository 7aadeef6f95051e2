using System.Collections.Generic;
using TaskGen;

namespace TaskGen.IntegrationWorker;

/// <summary>Tasks that chord and chain tests end with: they show which values arrived, and in what order.</summary>
public static class CanvasSteps
{
    /// <summary>A chord body: its label and the values it received, in the order received.</summary>
    [Task(Queue = "work")]
    public static string Ordered(List<int> values, string label) => label + ":" + string.Join(",", values);

    /// <summary>A success callback: writes the value it was given to a file, so a test sees that it ran and on what.</summary>
    [Task(Queue = "work")]
    public static void NoteValue(int value, string path) => System.IO.File.WriteAllText(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>An error callback: writes the failed task's id to a file.</summary>
    [Task(Queue = "work")]
    public static void NoteFailure(string taskId, string path) => System.IO.File.WriteAllText(path, taskId);

    /// <summary>A chain step: its input times a factor.</summary>
    [Task(Queue = "work")]
    public static int Times(int value, int factor) => value * factor;
}
