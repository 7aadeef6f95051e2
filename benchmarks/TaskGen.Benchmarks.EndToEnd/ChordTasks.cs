using System.Collections.Generic;
using System.Linq;
using TaskGen;

[assembly: TaskQueue("bench.chord")]

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>The chord workload: a header of squares and a body that adds them, as the Celery side's tasks do.</summary>
public static class ChordTasks
{
    /// <summary>Squares a number: one header part.</summary>
    [Task(Queue = "bench.chord")]
    public static long Square(long x) => x * x;

    /// <summary>Adds the header's results: the chord body.</summary>
    [Task(Queue = "bench.chord")]
    public static long Total(List<long> parts) => parts.Sum();
}
