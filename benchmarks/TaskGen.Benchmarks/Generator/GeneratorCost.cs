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
    /// <param name="args"><c>--runs N</c> (default 10), <c>--verbose</c> to print every run, and <c>--analyzers PATH</c> to measure the analyzers of another build of TaskGen.Analyzers.</param>
    public static int Run(string[] args)
    {
        int runs = 10;
        string? analyzerPath = null;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length:
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                case "--analyzers" when i + 1 < args.Length:
                    analyzerPath = args[++i];
                    break;
                default:
                    Console.Error.WriteLine("usage: generator [--runs N] [--verbose] [--analyzers PATH/TaskGen.Analyzers.dll]");
                    return 2;
            }
        }

        ImmutableArray<DiagnosticAnalyzer> analyzers = LoadAnalyzers(analyzerPath, out string analyzerSource);
        IReadOnlyList<(string Path, string Source)> files = TaskCorpus.Create(ClassCount, TasksPerClass);
        SyntaxTree[] trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Source, s_parseOptions, path: f.Path)).ToArray();
        MetadataReference[] references = References();

        Console.WriteLine($"TaskGen generator cost: {ClassCount * TasksPerClass} tasks in {ClassCount} classes, {runs} runs after one warm-up");
        Console.WriteLine($"Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"Analyzers: {(analyzers.IsEmpty ? "none found" : string.Join(", ", analyzers.Select(a => a.GetType().Name)))} ({analyzerSource})");
        Console.WriteLine();

        // The first run in a process pays for JIT-compiling the generator and Roslyn's paths; a build
        // server (VBCSCompiler) and an IDE are past that, so the figures that count are the later runs.
        Measurement first = Measure(trees, references, analyzers, verbose);
        var measured = new List<Measurement>(runs);
        for (int i = 0; i < runs; i++)
        {
            measured.Add(Measure(trees, references, analyzers, verbose));
        }

        Console.WriteLine("| run | cold generator (ms) | analyzers (ms) | generator after body edit (ms) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine(Row("first in process (JIT)", first));
        Console.WriteLine(Row($"median of {runs}", Median(measured)));
        Console.WriteLine(Row($"min of {runs}", new Measurement(measured.Min(m => m.ColdMs), measured.Min(m => m.AnalyzerMs), measured.Min(m => m.EditMs), 0)));
        Console.WriteLine();
        Console.WriteLine($"Generated files per run: {first.GeneratedFiles}");
        Console.WriteLine();

        return ReportEditReasons(trees, references) ? 0 : 1;
    }

    private static Measurement Measure(SyntaxTree[] trees, MetadataReference[] references, ImmutableArray<DiagnosticAnalyzer> analyzers, bool verbose)
    {
        // A new compilation each time: a compilation caches what it has bound, and a build starts from none.
        CSharpCompilation compilation = CreateCompilation(trees, references);
        GeneratorDriver driver = CreateDriver(trackSteps: false);

        long start = Stopwatch.GetTimestamp();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        double coldMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        int generated = driver.GetRunResult().GeneratedTrees.Length;
        double driverColdMs = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;

        double analyzerMs = analyzers.IsEmpty ? 0 : RunAnalyzers(output, analyzers);

        CSharpCompilation edited = Edit(compilation);
        start = Stopwatch.GetTimestamp();
        driver = driver.RunGeneratorsAndUpdateCompilation(edited, out _, out _);
        double editMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (verbose)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cold {coldMs:F1} ms (driver's own timing {driverColdMs:F1}), edit {editMs:F1} ms (driver {driver.GetTimingInfo().ElapsedTime.TotalMilliseconds:F1}), GCs so far: gen0 {GC.CollectionCount(0)}, gen2 {GC.CollectionCount(2)}"));
        }

        return new Measurement(coldMs, analyzerMs, editMs, generated);
    }

    /// <summary>Runs the analyzers over the compilation with the generated code, as a build does, and returns the wall time.</summary>
    private static double RunAnalyzers(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: null,
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        long start = Stopwatch.GetTimestamp();
        ImmutableArray<Diagnostic> diagnostics = compilation.WithAnalyzers(analyzers, options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
        {
            // The corpus is meant to be clean; a diagnostic means it measures an error path.
            throw new InvalidOperationException("The analyzers reported on the corpus: " + diagnostics.First(d => d.Severity >= DiagnosticSeverity.Warning));
        }

        return ms;
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
            : Assembly.LoadFrom(Path.GetFullPath(path));
        source = assembly.Location;
        return assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static Measurement Median(List<Measurement> runs)
    {
        static double MedianOf(IEnumerable<double> values)
        {
            double[] sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        return new Measurement(MedianOf(runs.Select(r => r.ColdMs)), MedianOf(runs.Select(r => r.AnalyzerMs)), MedianOf(runs.Select(r => r.EditMs)), 0);
    }

    private static string Row(string label, Measurement m) =>
        string.Create(CultureInfo.InvariantCulture, $"| {label} | {m.ColdMs:F1} | {m.AnalyzerMs:F1} | {m.EditMs:F1} |");

    private sealed record Measurement(double ColdMs, double AnalyzerMs, double EditMs, int GeneratedFiles);
}
