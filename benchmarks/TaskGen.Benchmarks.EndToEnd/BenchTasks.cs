using TaskGen;

[assembly: TaskQueue("bench.taskgen")]

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>The task every contender runs: the seed's <c>Add(a, b)</c>.</summary>
public static class BenchTasks
{
    /// <summary>Adds two integers.</summary>
    [Task(Queue = "bench.taskgen")]
    public static int Add(int a, int b) => a + b;

    /// <summary>Adds two integers on its second run: the first asks for an immediate retry, to price one retry.</summary>
    [Task(Queue = "bench.taskgen")]
    public static int AddAfterOneRetry(int a, int b, TaskContext context) =>
        context.Retries == 0 ? throw context.Retry(System.TimeSpan.Zero) : a + b;
}
