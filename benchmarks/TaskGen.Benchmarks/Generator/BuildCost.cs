using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace TaskGen.Benchmarks.Generator;

/// <summary>
/// The generator and analyzers as a real build runs them: the corpus written out as a project that
/// references TaskGen and loads TaskGen.Generators and TaskGen.Analyzers as analyzers, rebuilt with the
/// SDK's own compiler in a fresh process each time (no build server), and the compiler's own report
/// (<c>ReportAnalyzer</c>) read for the TaskGen lines. This is the cold cost a command-line build pays:
/// the SDK's compiler is precompiled, but the generator's IL is JIT-compiled in every new process.
/// </summary>
public static class BuildCost
{
    /// <summary>Writes the project, rebuilds it <paramref name="builds"/> times and prints the TaskGen figures.</summary>
    /// <param name="files">The corpus.</param>
    /// <param name="builds">How many rebuilds to time.</param>
    /// <param name="analyzerAssembly">The TaskGen.Analyzers build to load.</param>
    /// <returns>False when a build failed.</returns>
    public static bool Run(IReadOnlyList<(string Path, string Source)> files, int builds, string analyzerAssembly)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"taskgen-generator-cost-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            foreach ((string path, string source) in files)
            {
                File.WriteAllText(Path.Combine(directory, path), source);
            }

            string baseDirectory = AppContext.BaseDirectory;
            File.WriteAllText(Path.Combine(directory, "Corpus.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                    <ReportAnalyzer>true</ReportAnalyzer>
                    <UseSharedCompilation>false</UseSharedCompilation>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="{Path.Combine(baseDirectory, "TaskGen.dll")}" />
                    <Analyzer Include="{Path.Combine(baseDirectory, "TaskGen.Generators.dll")}" />
                    <Analyzer Include="{analyzerAssembly}" />
                  </ItemGroup>
                </Project>
                """);

            Console.WriteLine($"Real builds: `dotnet build --no-incremental -p:ReportAnalyzer=true`, a fresh compiler process each (no build server), in {directory}");
            Console.WriteLine();
            Console.WriteLine("| build | TaskGen generator (ms) | TaskGen analyzers (ms) | whole build (s) |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            for (int i = 0; i <= builds; i++)
            {
                // The first build also restores; it is shown but not one of the timed rebuilds.
                string label = i == 0 ? "restore + build" : $"rebuild {i}";
                long start = Stopwatch.GetTimestamp();
                (int exitCode, string log) = Build(directory, restore: i == 0);
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (exitCode != 0)
                {
                    Console.WriteLine($"The build failed (exit code {exitCode}):");
                    Console.WriteLine(string.Join(Environment.NewLine, log.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal)).Take(20)));
                    return false;
                }

                double? generator = ReportedSeconds(log, "Total generator execution time", "TaskGen.Generators,");
                double? analyzers = ReportedSeconds(log, "Total analyzer execution time", "TaskGen.Analyzers,");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {label} | {Milliseconds(generator)} | {(analyzers is null ? "none reported" : Milliseconds(analyzers))} | {seconds:F1} |"));
            }

            Console.WriteLine();
            return true;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int ExitCode, string Log) Build(string directory, bool restore)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "build", "Corpus.csproj", "-c", "Release", "--no-incremental", "-v:d", "-nodeReuse:false" })
        {
            start.ArgumentList.Add(argument);
        }

        if (!restore)
        {
            start.ArgumentList.Add("--no-restore");
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        System.Threading.Tasks.Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Reads the compiler's table under <paramref name="section"/>: the assembly line that starts with
    /// <paramref name="assembly"/> carries the seconds of all its generators or analyzers.
    /// </summary>
    private static double? ReportedSeconds(string log, string section, string assembly)
    {
        string[] lines = log.Split('\n');
        int from = Array.FindIndex(lines, l => l.Contains(section, StringComparison.Ordinal));
        if (from < 0)
        {
            return null;
        }

        for (int i = from + 1; i < lines.Length && !lines[i].Contains("Total ", StringComparison.Ordinal); i++)
        {
            string[] parts = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && parts[2].StartsWith(assembly, StringComparison.Ordinal))
            {
                return parts[0].StartsWith('<') ? 0 : double.Parse(parts[0], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static string Milliseconds(double? seconds) =>
        seconds is { } s ? (s * 1000).ToString("F0", CultureInfo.InvariantCulture) : "not reported";
}
