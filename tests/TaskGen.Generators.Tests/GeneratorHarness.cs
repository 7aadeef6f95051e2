using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskGen.Generators.Tests;

/// <summary>Compiles test sources against the runtime and runs the task generator over them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(TaskApp).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    });

    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation("TestAssembly", [], sources);

    /// <summary>A compilation named <paramref name="assemblyName"/> that also references <paramref name="references"/> (other test assemblies).</summary>
    public static CSharpCompilation CreateCompilation(string assemblyName, MetadataReference[] references, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            s_references.Value.Concat(references),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>
    /// Builds an assembly from <paramref name="sources"/> with the generator, as a project another one references,
    /// and returns it as a metadata reference: what a worker's compilation sees of a contracts assembly.
    /// </summary>
    public static MetadataReference BuildReference(string assemblyName, params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(assemblyName, [], sources);
        CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        AssertCompiles(output);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    /// <summary>Runs the generator over a compilation named <paramref name="assemblyName"/> that references <paramref name="references"/>.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(string assemblyName, MetadataReference[] references, params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(assemblyName, references, sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new TaskGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and returns its result and the compilation with the generated code added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>Fails with every error of the compilation, so a test shows what the generated code got wrong.</summary>
    public static void AssertCompiles(Compilation compilation)
    {
        List<Diagnostic> errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true))
            .ToList();
        Assert.True(errors.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", errors));
    }
}
