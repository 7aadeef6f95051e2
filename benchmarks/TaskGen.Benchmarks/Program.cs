using System;
using BenchmarkDotNet.Running;
using TaskGen.Benchmarks.Generator;

namespace TaskGen.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet micro benchmarks (any arguments BenchmarkDotNet accepts), or with
/// <c>generator</c> as the first argument, the generator-cost measurement, or with <c>fuzz</c> the
/// decoder fuzz run (<c>fuzz [inputs] [seed]</c>).
/// </summary>
public static class Program
{
    /// <summary>The entry point.</summary>
    /// <param name="args">BenchmarkDotNet's arguments, <c>generator</c> and its options, or <c>fuzz</c> and its.</param>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "generator", StringComparison.OrdinalIgnoreCase))
        {
            return GeneratorCost.Run(args[1..]);
        }

        if (args.Length > 0 && string.Equals(args[0], "fuzz", StringComparison.OrdinalIgnoreCase))
        {
            return Fuzz.DecoderFuzzRun.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
