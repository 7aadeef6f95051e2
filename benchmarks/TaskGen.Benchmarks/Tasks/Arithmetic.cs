using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

namespace TaskGen.Benchmarks.Tasks;

/// <summary>
/// The tasks the micro benchmarks run. The generator runs on this project, so each one gets the same
/// stub, codec and dispatch case a user's task gets.
/// </summary>
public static class Arithmetic
{
    /// <summary>The task every worker-side benchmark runs: two integers in, one out.</summary>
    /// <param name="a">The first addend.</param>
    /// <param name="b">The second addend.</param>
    [Task]
    public static int Add(int a, int b) => a + b;

    /// <summary>A task with a string result, so the dispatch switch has more than one case.</summary>
    /// <param name="greeting">The greeting.</param>
    /// <param name="name">Who is greeted.</param>
    [Task]
    public static string Greet(string greeting, string name) => greeting + ", " + name;

    /// <summary>A task with a list argument and a default.</summary>
    /// <param name="values">The values.</param>
    /// <param name="factor">The factor.</param>
    [Task]
    public static List<double> Scale(List<double> values, double factor = 1.0)
    {
        var scaled = new List<double>(values.Count);
        foreach (double value in values)
        {
            scaled.Add(value * factor);
        }

        return scaled;
    }

    /// <summary>An asynchronous task that takes the worker's cancellation token.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <param name="cancellationToken">The worker's token.</param>
    [Task]
    public static Task<long> MultiplyAsync(long a, long b, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(a * b);
    }
}
