using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskGen.Generators.Tests;

/// <summary>
/// What cannot be a task gets a stub of its shape that only throws, and no dispatch case: its callers keep compiling,
/// so the user sees the analyzer's one diagnostic and no CS error beside it.
/// </summary>
public sealed class InvalidTaskTests
{
    [Theory]
    [InlineData("public double NotStatic(double x) => x;", "NotStatic", "TG0001")]
    [InlineData("public static T Generic<T>(T x) => x;", "Generic", "TG0002")]
    [InlineData("public static void ByRef(ref int x) { }", "ByRef", "TG0003")]
    [InlineData("public static void Callback(System.Action action) { }", "Callback", "TG0101")]
    [InlineData("public static object Untyped(object x) => x;", "Untyped", "TG0105")]
    [InlineData("public static void Stream(System.IO.Stream s) { }", "Stream", "TG0103")]
    [InlineData("public static void Keyed(System.Collections.Generic.Dictionary<int, int> map) { }", "Keyed", "TG0110")]
    [InlineData("private static int Hidden(int x) => x;", "Hidden", "TG0005")]
    [InlineData("public static void ValueService([FromServices] int clock) { }", "ValueService", "TG0012")]
    [InlineData("public static void OptionalService([FromServices] System.IServiceProvider? services = null) { }", "OptionalService", "TG0012")]
    [InlineData("public static void ContextService([FromServices] TaskContext context) { }", "ContextService", "TG0012")]
    public void EmitsAThrowingStubAndNoDispatchCase(string member, string name, string id)
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
        SyntaxTree stub = Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith($"Bad.Jobs.{name}.g.cs", System.StringComparison.Ordinal));
        Assert.Contains($"has build error {id}", stub.ToString(), System.StringComparison.Ordinal);
        Assert.DoesNotContain("Invoke_", stub.ToString(), System.StringComparison.Ordinal);
        Assert.DoesNotContain(result.GeneratedTrees, t => t.ToString().Contains("Invoke_Bad_Jobs", System.StringComparison.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void ATaskInAFileLocalClassGetsOnlyAThrowingStubAndTheRestStillCompiles()
    {
        // Generated code lives in other files, which cannot name a file-local type: a dispatch case would fail with CS0234.
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
        Assert.Contains("has build error TG0005", Assert.Single(result.GeneratedTrees, t => t.FilePath.Contains("Hidden", System.StringComparison.Ordinal)).ToString(), System.StringComparison.Ordinal);
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Fine.g.cs", System.StringComparison.Ordinal));
        GeneratorHarness.AssertCompiles(output);
    }

    [Fact]
    public void RecordWithoutJsonContextGetsOnlyAThrowingStub()
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

        Assert.Contains("has build error TG0109", Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Place.g.cs", System.StringComparison.Ordinal)).ToString(), System.StringComparison.Ordinal);
        Assert.DoesNotContain(result.GeneratedTrees, t => t.ToString().Contains("Invoke_Bad_Jobs_Place", System.StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Bad.Jobs.Fine.g.cs", System.StringComparison.Ordinal));
        GeneratorHarness.AssertCompiles(output);
    }
}
