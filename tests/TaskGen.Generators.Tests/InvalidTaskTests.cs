using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskGen.Generators.Tests;

/// <summary>The generator skips what cannot be a task, silently, so the user sees the analyzer's one diagnostic.</summary>
public sealed class InvalidTaskTests
{
    [Theory]
    [InlineData("public double NotStatic(double x) => x;")]
    [InlineData("public static T Generic<T>(T x) => x;")]
    [InlineData("public static void ByRef(ref int x) { }")]
    [InlineData("public static void Callback(System.Action action) { }")]
    [InlineData("public static object Untyped(object x) => x;")]
    [InlineData("public static void Stream(System.IO.Stream s) { }")]
    [InlineData("public static void Keyed(System.Collections.Generic.Dictionary<int, int> map) { }")]
    [InlineData("private static int Hidden(int x) => x;")]
    [InlineData("public static void ValueService([FromServices] int clock) { }")]
    [InlineData("public static void OptionalService([FromServices] System.IServiceProvider? services = null) { }")]
    [InlineData("public static void ContextService([FromServices] TaskContext context) { }")]
    public void EmitsNothingAndReportsNothing(string member)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run($$"""
            using TaskGen;
            namespace Bad;
            public class Jobs
            {
                [Task]
                {{member}}
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.Contains("Bad.Jobs", System.StringComparison.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void ATaskInAFileLocalClassIsSkippedAndTheRestStillCompiles()
    {
        // Generated code lives in other files, which cannot name a file-local type: emitting it would fail with CS0234.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Bad;
            file static class Hidden
            {
                [Task]
                public static int Local(int x) => x;
            }

            public static class Jobs
            {
                [Task]
                public static int Fine(int x) => x;
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.Contains("Hidden", System.StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Fine.g.cs", System.StringComparison.Ordinal));
        GeneratorHarness.AssertCompiles(output);
    }

    [Fact]
    public void RecordWithoutJsonContextIsSkipped()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Bad;
            public sealed record Order(string Id);
            public static class Jobs
            {
                [Task]
                public static void Place(Order order) { }

                [Task]
                public static int Fine(int x) => x;
            }
            """);

        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Place.g.cs", System.StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Fine.g.cs", System.StringComparison.Ordinal));
        GeneratorHarness.AssertCompiles(output);
    }
}
