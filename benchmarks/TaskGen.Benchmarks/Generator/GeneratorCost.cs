using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using TaskGen.Generators;

namespace TaskGen.Benchmarks.Generator;

/// <summary>
/// How long the task generator and the TaskGen analyzers take over an assembly of 1,000 tasks: a cold
/// run (a new driver on a new compilation, as a build does) and a run after a one-line edit inside one
/// task body (as an editor does on a keystroke), with the step reasons that show what the edit re-ran.
/// </summary>
public static class GeneratorCost
{
    private const int ClassCount = 50;
    private const int TasksPerClass = 20;
    private const int EditedClass = 25;
    private const int EditedTask = 2;

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.CSharp12);

    /// <summary>Runs the measurement and prints a report; returns 1 when an edit re-ran an emit step.</summary>
    /// <param name="args">
    /// <c>--runs N</c> timed in-process runs (default 10) after <c>--warmup N</c> (default 15: tiered JIT needs about a dozen runs to settle on 2 cores);
    /// <c>--builds N</c> real rebuilds (default 3, 0 to skip); <c>--verbose</c> prints every run;
    /// <c>--analyzers PATH</c> measures the analyzers of another build of TaskGen.Analyzers.
    /// </param>
    public static int Run(string[] args)
    {
        int runs = 10;
        int warmups = 15;
        int builds = 3;
        string? analyzerPath = null;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length:
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--warmup" when i + 1 < args.Length:
                    warmups = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--builds" when i + 1 < args.Length:
                    builds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                case "--analyzers" when i + 1 < args.Length:
                    analyzerPath = args[++i];
                    break;
                default:
                    Console.Error.WriteLine("usage: generator [--runs N] [--warmup N] [--builds N] [--verbose] [--analyzers PATH/TaskGen.Analyzers.dll]");
                    return 2;
            }
        }

        ImmutableArray<DiagnosticAnalyzer> analyzers = LoadAnalyzers(analyzerPath, out string analyzerSource);
        IReadOnlyList<(string Path, string Source)> files = TaskCorpus.Create(ClassCount, TasksPerClass);
        SyntaxTree[] trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Source, s_parseOptions, path: f.Path)).ToArray();
        MetadataReference[] references = References();

        Console.WriteLine($"TaskGen generator cost: {ClassCount * TasksPerClass} tasks in {ClassCount} classes");
        Console.WriteLine($"In process: Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores; {runs} timed runs after {warmups} warm-up runs");
        Console.WriteLine($"Analyzers: {(analyzers.IsEmpty ? "none found" : string.Join(", ", analyzers.Select(a => a.GetType().Name)))} ({analyzerSource})");
        Console.WriteLine();

        // The first run in a process JIT-compiles the generator and this (not precompiled) copy of
        // Roslyn; the warm-up runs let tiered compilation finish, as in a build server or an IDE.
        Measurement first = Measure(trees, references, analyzers, verbose);
        for (int i = 1; i < warmups; i++)
        {
            _ = Measure(trees, references, analyzers, verbose);
        }

        var measured = new List<Measurement>(runs);
        for (int i = 0; i < runs; i++)
        {
            measured.Add(Measure(trees, references, analyzers, verbose));
        }

        Console.WriteLine("| in-process run | cold generator (ms) | analyzers' own time (ms) | analysis wall time, binding included (ms) | generator after body edit (ms) | parsing the generated code (ms) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(Row("first in process (all JIT)", first));
        Console.WriteLine(Row($"median of {runs} warm", Aggregate(measured, Median)));
        Console.WriteLine(Row($"min of {runs} warm", Aggregate(measured, Enumerable.Min)));
        Console.WriteLine();
        if (!analyzers.IsEmpty)
        {
            // The target is on the two together in one build, so the sum is taken run by run before the median.
            IEnumerable<double> together = measured.Select(m => m.ColdMs + m.AnalyzerMs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generator + analyzers, summed per run: median {Median(together):F1} ms, min {together.Min():F1} ms."));
            Console.WriteLine();
            Console.WriteLine("| analyzer | own time, median of warm runs (ms) | min (ms) |");
            Console.WriteLine("| --- | ---: | ---: |");
            foreach (string name in measured[0].PerAnalyzerMs.Keys.OrderBy(n => n, StringComparer.Ordinal))
            {
                IEnumerable<double> times = measured.Select(m => m.PerAnalyzerMs[name]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(times):F1} | {times.Min():F1} |"));
            }

            Console.WriteLine();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated: {first.GeneratedFiles} files, {first.GeneratedChars / 1024.0 / 1024.0:F1} MiB of C# ({first.GeneratedChars / (ClassCount * TasksPerClass)} characters per task). The driver parses generated files lazily, so their parse is not in the generator's time; a build pays it when it compiles them."));
        Console.WriteLine();

        bool built = builds <= 0 || BuildCost.Run(files, builds, analyzerSource);
        return ReportEditReasons(trees, references) && built ? 0 : 1;
    }

    private static Measurement Measure(SyntaxTree[] trees, MetadataReference[] references, ImmutableArray<DiagnosticAnalyzer> analyzers, bool verbose)
    {
        // A clean heap, as BenchmarkDotNet gives each iteration: otherwise a full collection of the previous
        // runs' compilations lands in a random run and doubles it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // A new compilation each time: a compilation caches what it has bound, and a build starts from none.
        CSharpCompilation compilation = CreateCompilation(trees, references);
        GeneratorDriver driver = CreateDriver(trackSteps: false);

        long start = Stopwatch.GetTimestamp();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        double coldMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double driverColdMs = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
        ImmutableArray<SyntaxTree> generated = driver.GetRunResult().GeneratedTrees;
        start = Stopwatch.GetTimestamp();
        long generatedChars = 0;
        foreach (SyntaxTree tree in generated)
        {
            generatedChars += tree.GetRoot().FullSpan.Length;
        }

        double parseMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        var perAnalyzerMs = new Dictionary<string, double>(StringComparer.Ordinal);
        (double analyzerMs, double analysisWallMs) = analyzers.IsEmpty ? (0, 0) : RunAnalyzers(output, analyzers, perAnalyzerMs);

        CSharpCompilation edited = Edit(compilation);
        start = Stopwatch.GetTimestamp();
        driver = driver.RunGeneratorsAndUpdateCompilation(edited, out _, out _);
        double editMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (verbose)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cold {coldMs:F1} ms (driver's own timing {driverColdMs:F1}), edit {editMs:F1} ms (driver {driver.GetTimingInfo().ElapsedTime.TotalMilliseconds:F1}), GCs so far: gen0 {GC.CollectionCount(0)}, gen2 {GC.CollectionCount(2)}"));
        }

        return new Measurement(coldMs, analyzerMs, analysisWallMs, editMs, parseMs, generated.Length, generatedChars) { PerAnalyzerMs = perAnalyzerMs };
    }

    /// <summary>
    /// Runs the analyzers over the compilation with the generated code, as a build does, and returns the
    /// time the analyzers' own callbacks took. The wall time is far larger and is not theirs: analysis
    /// makes the compiler bind every method body, generated ones included, which a build does anyway.
    /// </summary>
    private static (double OwnMs, double WallMs) RunAnalyzers(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, Dictionary<string, double> perAnalyzerMs)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: null,
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: true);
        long start = Stopwatch.GetTimestamp();
        CompilationWithAnalyzers analysis = compilation.WithAnalyzers(analyzers, options);
        ImmutableArray<Diagnostic> diagnostics = analysis.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        double wallMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
        {
            // The corpus is meant to be clean; a diagnostic means it measures an error path.
            throw new InvalidOperationException("The analyzers reported on the corpus: " + diagnostics.First(d => d.Severity >= DiagnosticSeverity.Warning));
        }

        double ownMs = 0;
        foreach (DiagnosticAnalyzer analyzer in analyzers)
        {
            double ms = analysis.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds;
            perAnalyzerMs[analyzer.GetType().Name] = ms;
            ownMs += ms;
        }

        return (ownMs, wallMs);
    }

    /// <summary>Runs cold then after the edit with step tracking, and prints the reasons of every step.</summary>
    private static bool ReportEditReasons(SyntaxTree[] trees, MetadataReference[] references)
    {
        CSharpCompilation compilation = CreateCompilation(trees, references);
        GeneratorDriver driver = CreateDriver(trackSteps: true).RunGenerators(compilation);
        driver = driver.RunGenerators(Edit(compilation));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Console.WriteLine($"Step reasons after the one-line edit in Tasks{EditedClass}.Run{EditedTask}'s body:");
        Console.WriteLine();
        Console.WriteLine("| step | reasons of its outputs |");
        Console.WriteLine("| --- | --- |");
        string[] steps = [TrackingNames.Tasks, TrackingNames.Assembly, TrackingNames.EmitContext, TrackingNames.TaskSources, TrackingNames.Registry];
        bool emitReran = false;
        foreach (string step in steps)
        {
            IEnumerable<IncrementalStepRunReason> reasons = result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs)
                ? runs.SelectMany(r => r.Outputs).Select(o => o.Reason)
                : [];
            var counts = reasons.GroupBy(r => r).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}").ToList();
            Console.WriteLine($"| {step} | {(counts.Count == 0 ? "(not run)" : string.Join(", ", counts))} |");
            if (step is TrackingNames.TaskSources or TrackingNames.Registry
                && reasons.Any(r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
            {
                emitReran = true;
            }
        }

        Console.WriteLine();
        Console.WriteLine(emitReran
            ? "FAIL: the body edit re-ran an emit step."
            : "OK: the body edit re-ran no emit step (TaskSources and Registry outputs are all Cached or Unchanged).");
        return !emitReran;
    }

    /// <summary>Changes one line inside one task body, the way an editor hands the compiler a changed text.</summary>
    private static CSharpCompilation Edit(CSharpCompilation compilation)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == $"Tasks{EditedClass}.cs");
        SourceText text = tree.GetText();
        string marker = TaskCorpus.BodyMarker(EditedClass, EditedTask) + "context.Id;";
        int position = text.ToString().IndexOf(marker, StringComparison.Ordinal);
        if (position < 0)
        {
            throw new InvalidOperationException("The corpus has no body to edit.");
        }

        var change = new TextChange(new TextSpan(position, marker.Length), TaskCorpus.BodyMarker(EditedClass, EditedTask) + "context.Name + context.Id;");
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(change)));
    }

    private static CSharpCompilation CreateCompilation(SyntaxTree[] trees, MetadataReference[] references) =>
        CSharpCompilation.Create(
            "Corpus",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static GeneratorDriver CreateDriver(bool trackSteps) =>
        CSharpGeneratorDriver.Create(
            [new TaskGenerator().AsSourceGenerator()],
            parseOptions: s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    private static MetadataReference[] References()
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(TaskApp).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    }

    /// <summary>
    /// Every <see cref="DiagnosticAnalyzer"/> in TaskGen.Analyzers: the build referenced by this project,
    /// or the one at <paramref name="path"/>. Analyzers added to that project are measured without a change here.
    /// </summary>
    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers(string? path, out string source)
    {
        Assembly assembly = path is null
            ? Assembly.Load(new AssemblyName("TaskGen.Analyzers"))
            // Its own load context, since this project already loaded its own build of the same assembly;
            // Roslyn itself still comes from the default context, so the analyzer types match.
            : new System.Runtime.Loader.AssemblyLoadContext("TaskGen.Analyzers (" + path + ")").LoadFromAssemblyPath(Path.GetFullPath(path));
        source = assembly.Location;
        return assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static Measurement Aggregate(List<Measurement> runs, Func<IEnumerable<double>, double> of) =>
        new(of(runs.Select(r => r.ColdMs)), of(runs.Select(r => r.AnalyzerMs)), of(runs.Select(r => r.AnalysisWallMs)), of(runs.Select(r => r.EditMs)), of(runs.Select(r => r.ParseMs)), 0, 0);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Row(string label, Measurement m) =>
        string.Create(CultureInfo.InvariantCulture, $"| {label} | {m.ColdMs:F1} | {m.AnalyzerMs:F1} | {m.AnalysisWallMs:F1} | {m.EditMs:F1} | {m.ParseMs:F1} |");

    private sealed record Measurement(double ColdMs, double AnalyzerMs, double AnalysisWallMs, double EditMs, double ParseMs, int GeneratedFiles, long GeneratedChars)
    {
        /// <summary>Each analyzer's own callback time, by type name; empty in aggregates.</summary>
        public IReadOnlyDictionary<string, double> PerAnalyzerMs { get; init; } = new Dictionary<string, double>();
    }
}
