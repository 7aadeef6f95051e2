using System;
using BenchmarkDotNet.Running;
using TaskGen.Benchmarks.Generator;

namespace TaskGen.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet micro benchmarks (any arguments BenchmarkDotNet accepts), or with
/// <c>generator</c> as the first argument, the generator-cost measurement.
/// </summary>
public static class Program
{
    /// <summary>The entry point.</summary>
    /// <param name="args">BenchmarkDotNet's arguments, or <c>generator</c> and its options.</param>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "generator", StringComparison.OrdinalIgnoreCase))
        {
            return GeneratorCost.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
