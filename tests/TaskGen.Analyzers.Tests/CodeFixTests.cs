using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using TaskGen.CodeFixes;

namespace TaskGen.Analyzers.Tests;

/// <summary>Every code fix, compared with the source a person would write by hand.</summary>
public sealed class CodeFixTests
{
    [Fact]
    public Task DeclareQueueAddsTheAssemblyAttributeAfterTheUsings() =>
        CodeFixTest<QueueAnalyzer, DeclareQueueCodeFixProvider>.VerifyAsync(
            """
            using TaskGen;

            namespace App;

            public static class Jobs
            {
                [Task(Queue = {|TG0201:"calc"|})]
                public static int Run(int x) => x;
            }
            """,
            """
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace App;

            public static class Jobs
            {
                [Task(Queue = "calc")]
                public static int Run(int x) => x;
            }
            """);

    [Fact]
    public Task DeclareQueueFromACallSiteGoesAfterTheExistingDeclarations() =>
        CodeFixTest<QueueAnalyzer, DeclareQueueCodeFixProvider>.VerifyAsync(
            """
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace App;

            public static class Caller
            {
                public static TaskOptions Options() => new TaskOptions { Queue = {|TG0202:"reports"|} };
            }
            """,
            """
            using TaskGen;

            [assembly: TaskQueue("calc")]
            [assembly: TaskQueue("reports")]

            namespace App;

            public static class Caller
            {
                public static TaskOptions Options() => new TaskOptions { Queue = "reports" };
            }
            """);

    [Fact]
    public Task MakeStaticAddsTheModifierInItsPlace() =>
        CodeFixTest<TaskShapeAnalyzer, MakeTaskStaticCodeFixProvider>.VerifyAsync(
            """
            using TaskGen;

            namespace App;

            public class Jobs
            {
                [Task]
                public int {|TG0001:Run|}(int x) => x;
            }
            """,
            """
            using TaskGen;

            namespace App;

            public class Jobs
            {
                [Task]
                public static int Run(int x) => x;
            }
            """);

    [Fact]
    public Task RemoveRefPassesTheParameterByValue() =>
        CodeFixTest<TaskShapeAnalyzer, RemoveRefModifierCodeFixProvider>.VerifyAsync(
            """
            using TaskGen;

            namespace App;

            public static class Jobs
            {
                [Task]
                public static int Run({|TG0003:ref|} int x, {|TG0003:in|} int y) => x + y;
            }
            """,
            """
            using TaskGen;

            namespace App;

            public static class Jobs
            {
                [Task]
                public static int Run(int x, int y) => x + y;
            }
            """);

    [Fact]
    public async Task CreateJsonContextAddsTheContextFileAndTheAssemblyAttribute()
    {
        var test = new CodeFixTest<SerializationAnalyzer, CreateJsonContextCodeFixProvider>
        {
            // The context is partial for System.Text.Json's generator, which this test does not run.
            CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None,
        };
        const string source = """
            using TaskGen;

            namespace Shop.Billing;

            public sealed record Invoice(int Id);

            public static class Jobs
            {
                [Task]
                public static void Bill({|TG0109:Invoice|} invoice)
                {
                }
            }
            """;
        test.TestState.Sources.Add(source);
        test.FixedState.Sources.Add(source.Replace("{|TG0109:Invoice|}", "Invoice", System.StringComparison.Ordinal));
        test.FixedState.Sources.Add(("BillingJsonContext.cs", """
            using System.Text.Json.Serialization;

            [assembly: TaskGen.TaskJsonContext(typeof(Shop.Billing.BillingJsonContext))]

            namespace Shop.Billing;

            /// <summary>The JSON contracts of the records and classes this assembly's tasks take and return.</summary>
            [JsonSerializable(typeof(Invoice))]
            internal sealed partial class BillingJsonContext : JsonSerializerContext
            {
            }

            """));
        await test.RunAsync();
    }

    [Fact]
    public Task AddToJsonContextAddsJsonSerializableToTheContextClass() =>
        CodeFixTest<SerializationAnalyzer, AddToJsonContextCodeFixProvider>.VerifyAsync(
            """
            using System.Text.Json.Serialization;
            using TaskGen;

            [assembly: TaskJsonContext(typeof(App.AppJson))]

            namespace App;

            public sealed record Order(int Id);
            public sealed record Invoice(int Id);

            /// <summary>The app's contracts.</summary>
            [JsonSerializable(typeof(Order))]
            internal sealed class AppJson
            {
            }

            public static class Jobs
            {
                [Task]
                public static void Bill({|TG0108:Invoice|} invoice)
                {
                }
            }
            """,
            """
            using System.Text.Json.Serialization;
            using TaskGen;

            [assembly: TaskJsonContext(typeof(App.AppJson))]

            namespace App;

            public sealed record Order(int Id);
            public sealed record Invoice(int Id);

            /// <summary>The app's contracts.</summary>
            [JsonSerializable(typeof(Order))]
            [JsonSerializable(typeof(Invoice))]
            internal sealed class AppJson
            {
            }

            public static class Jobs
            {
                [Task]
                public static void Bill(Invoice invoice)
                {
                }
            }
            """);

    [Fact]
    public Task AddToJsonContextOnAContextWithoutAttributesKeepsItsComment()
    {
        var test = new CodeFixTest<SerializationAnalyzer, AddToJsonContextCodeFixProvider>();
        test.TestState.Sources.Add("""
            using TaskGen;

            [assembly: TaskJsonContext(typeof(App.AppJson))]

            namespace App;

            public sealed record Invoice(int Id);

            public static class Jobs
            {
                [Task]
                public static void Bill({|TG0108:Invoice|} invoice)
                {
                }
            }
            """);
        test.TestState.Sources.Add(("Json.cs", """
            namespace App
            {
                // The app's contracts.
                internal sealed class AppJson
                {
                }
            }
            """));
        test.FixedState.Sources.Add("""
            using TaskGen;

            [assembly: TaskJsonContext(typeof(App.AppJson))]

            namespace App;

            public sealed record Invoice(int Id);

            public static class Jobs
            {
                [Task]
                public static void Bill(Invoice invoice)
                {
                }
            }
            """);
        test.FixedState.Sources.Add(("Json.cs", """
            namespace App
            {
                // The app's contracts.
                [System.Text.Json.Serialization.JsonSerializable(typeof(Invoice))]
                internal sealed class AppJson
                {
                }
            }
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task UseQueuesConstantReplacesTheLiteral()
    {
        const string queues = """
            namespace TestProject
            {
                [System.CodeDom.Compiler.GeneratedCode("TaskGen.Generators", "1.0.0.0")]
                public static partial class Queues
                {
                    public const string Calc = "calc";
                }
            }
            """;
        var test = new CodeFixTest<QueueAnalyzer, UseQueuesConstantCodeFixProvider>();
        test.TestState.Sources.Add("""
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace App;

            public static class Caller
            {
                public static TaskOptions Options() => new TaskOptions { Queue = {|TG0209:"calc"|} };
            }
            """);
        test.TestState.Sources.Add(("Queues.g.cs", queues));
        test.FixedState.Sources.Add("""
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace App;

            public static class Caller
            {
                public static TaskOptions Options() => new TaskOptions { Queue = TestProject.Queues.Calc };
            }
            """);
        test.FixedState.Sources.Add(("Queues.g.cs", queues));
        return test.RunAsync();
    }

    [Fact]
    public Task UsePartialDropsTheFirstArgumentOfAnImmutableChordBody()
    {
        var test = new CodeFixTest<CanvasAnalyzer, UsePartialChordBodyCodeFixProvider>();
        test.TestState.Sources.Add("""
            using TaskGen;
            using Shop.Remote;

            namespace App;

            public static class Caller
            {
                public static object Chord() =>
                    TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0403:Reports.Sum.Signature(new(), 2)|});
            }
            """);
        test.FixedState.Sources.Add("""
            using TaskGen;
            using Shop.Remote;

            namespace App;

            public static class Caller
            {
                public static object Chord() =>
                    TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Partial(2));
            }
            """);
        string[] generated = GeneratedStubs.For(CanvasAnalyzerTests.Tasks);
        foreach (SolutionState state in new[] { test.TestState, test.FixedState })
        {
            state.Sources.Add(("Tasks.cs", CanvasAnalyzerTests.Tasks));
            for (int i = 0; i < generated.Length; i++)
            {
                state.Sources.Add(($"Generated{i}.g.cs", generated[i]));
            }
        }

        return test.RunAsync();
    }
}
