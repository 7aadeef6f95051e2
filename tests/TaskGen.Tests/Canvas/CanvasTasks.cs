using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen;

namespace TaskGen.Tests.Canvas;

/// <summary>Tasks the canvas tests chain, group and join.</summary>
public static class CanvasTasks
{
    /// <summary>Twice its argument.</summary>
    [Task]
    public static int Twice(int x) => x * 2;

    /// <summary>The sum of a list plus an extra amount, as a chord body takes its header's results.</summary>
    [Task]
    public static int Total(List<int> values, int extra) => values.Sum() + extra;

    /// <summary>The texts joined by a separator, in the order given.</summary>
    [Task]
    public static string Join(string[] texts, string separator) => string.Join(separator, texts);

    /// <summary>Fails with the given reason.</summary>
    [Task]
    public static string Fail(string reason) => throw new InvalidOperationException(reason);

    /// <summary>A success callback: records the value it was given.</summary>
    [Task]
    public static void NoteValue(int value, string note) => EndToEnd.TestTasks.Record(note + "=" + value);

    /// <summary>An error callback: records which task failed.</summary>
    [Task]
    public static void NoteFailure(string taskId, string note) => EndToEnd.TestTasks.Record(note + ":" + taskId);
}
