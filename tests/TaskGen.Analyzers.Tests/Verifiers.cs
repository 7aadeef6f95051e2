using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace TaskGen.Analyzers.Tests;

/// <summary>References every test compilation shares: the .NET 8 reference pack from the local package cache, and TaskGen.</summary>
internal static class TestReferences
{
    /// <summary>
    /// Resolves offline: restoring the net8.0 runtime project puts the SDK's .NET 8 targeting pack in the NuGet
    /// cache, so the newest 8.0 version found there is used and nothing is downloaded.
    /// </summary>
    public static readonly ReferenceAssemblies Net80 = new("net8.0", new PackageIdentity("Microsoft.NETCore.App.Ref", CachedVersion("microsoft.netcore.app.ref", "8.0.", "8.0.31")), Path.Combine("ref", "net8.0"));

    private static string CachedVersion(string package, string prefix, string fallback)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string folder = Path.Combine(cache, package);
        if (!Directory.Exists(folder))
        {
            return fallback;
        }

        return Directory.GetDirectories(folder)
            .Select(Path.GetFileName)
            .Where(v => v!.StartsWith(prefix, StringComparison.Ordinal) && Version.TryParse(v, out _))
            .OrderByDescending(v => Version.Parse(v!))
            .FirstOrDefault() ?? fallback;
    }

    public static MetadataReference TaskGen { get; } = MetadataReference.CreateFromFile(typeof(TaskApp).Assembly.Location);

    public static MetadataReference Logging { get; } = MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location);

    /// <summary>Compiles a library against the reference pack and TaskGen, for tests that need a referenced task assembly.</summary>
    public static async Task<MetadataReference> CompileLibraryAsync(string assemblyName, string source)
    {
        ImmutableArray<MetadataReference> platform = await Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        CSharpCompilation library = CSharpCompilation.Create(
            assemblyName,
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12)) },
            platform.Add(TaskGen).Add(Logging),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = library.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    public static void Configure(SolutionState state)
    {
        state.AdditionalReferences.Add(TaskGen);
        state.AdditionalReferences.Add(Logging);
    }

    public static Solution AllowUnsafe(Solution solution, ProjectId projectId)
    {
        var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
        return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable));
    }
}

/// <summary>Runs one analyzer over sources written with <c>{|TG0101:x|}</c> markup.</summary>
internal sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public AnalyzerTest(params string[] sources)
    {
        ReferenceAssemblies = TestReferences.Net80;
        TestReferences.Configure(TestState);
        SolutionTransforms.Add(TestReferences.AllowUnsafe);
        foreach (string source in sources)
        {
            TestState.Sources.Add(source);
        }
    }

    /// <summary>Adds a referenced assembly compiled from <paramref name="source"/>.</summary>
    public AnalyzerTest<TAnalyzer> WithLibrary(MetadataReference library)
    {
        TestState.AdditionalReferences.Add(library);
        return this;
    }

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest<TAnalyzer>(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>Runs one analyzer and one code fix, comparing the fixed source with the expected one.</summary>
internal sealed class CodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixTest()
    {
        ReferenceAssemblies = TestReferences.Net80;
        TestReferences.Configure(TestState);
        TestReferences.Configure(FixedState);
        SolutionTransforms.Add(TestReferences.AllowUnsafe);
    }

    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new CodeFixTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>Plain compilations on the running .NET's assemblies, for tests that drive the compiler directly.</summary>
internal static class Compilations
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(TaskApp).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static CSharpCompilation Create(string assemblyName, params (string Path, string Source)[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, ParseOptions, path: s.Path)),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = ImmutableArray.Create<DiagnosticAnalyzer>(
        new TaskShapeAnalyzer(), new SerializationAnalyzer(), new QueueAnalyzer(), new OptionsAnalyzer(), new RetryPolicyAnalyzer(), new CanvasAnalyzer(), new ScheduleAnalyzer());

    public static Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation) =>
        compilation.WithAnalyzers(AllAnalyzers).GetAnalyzerDiagnosticsAsync();

    public static IEnumerable<Diagnostic> Sorted(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal);
}

/// <summary>The generator's real output for a task source, so that analyzer tests see stubs exactly as a build does.</summary>
internal static class GeneratedStubs
{
    /// <summary>The generated files for <paramref name="source"/> compiled as <paramref name="assemblyName"/>; the analyzer tests' project is TestProject.</summary>
    public static string[] For(string source, string assemblyName = "TestProject")
    {
        CSharpCompilation compilation = Compilations.Create(assemblyName, ("Tasks.cs", source));
        Compilation output = Run(compilation);
        return output.SyntaxTrees.Skip(1).Select(tree => tree.ToString()).ToArray();
    }

    /// <summary>Compiles a task library with its generated stubs against the reference pack, for tests of stubs in a referenced assembly.</summary>
    public static async Task<MetadataReference> CompileLibraryAsync(string assemblyName, string source)
    {
        ImmutableArray<MetadataReference> platform = await TestReferences.Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        CSharpCompilation library = CSharpCompilation.Create(
            assemblyName,
            new[] { CSharpSyntaxTree.ParseText(source, Compilations.ParseOptions) },
            platform.Add(TestReferences.TaskGen).Add(TestReferences.Logging),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Compilation output = Run(library);
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = output.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    private static Compilation Run(CSharpCompilation compilation)
    {
        CSharpGeneratorDriver.Create(new[] { new TaskGen.Generators.TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return output;
    }
}
