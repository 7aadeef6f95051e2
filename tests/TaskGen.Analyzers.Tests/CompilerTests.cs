using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using TaskGen.Generators;
using Xunit.Abstractions;

namespace TaskGen.Analyzers.Tests;

/// <summary>The analyzers beside the generator, as a build runs them: one clear diagnostic, exact positions, and their cost.</summary>
public sealed class CompilerTests
{
    private readonly ITestOutputHelper _output;

    public CompilerTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Every rule for which the generator cannot send or run a task, each with a caller: the build shows the TG error
    /// alone, with no CS error at the call site (the task gets a stub of its shape that throws, and no dispatch case).
    /// </summary>
    [Theory]
    [InlineData("public class Mail", "[Task] public int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0001")]
    [InlineData("public class Mail", "private enum Kind { A } [Task] private static int Send(Kind x) => 0;", "Mail.Send.Delay(null)", "TG0005")]
    [InlineData("public class Mail", "[Task] public static int Send<T>(T x) => 0;", "Mail.Send.Delay(1)", "TG0002,TG0107")]
    [InlineData("public class Mail<T>", "[Task] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0002")]
    [InlineData("public class Mail", "[Task] public static int Send(ref int x) => x;", "Mail.Send.Delay(1)", "TG0003")]
    [InlineData("public class Mail", "[Task] public static ref int Send(int[] x) => ref x[0];", "Mail.Send.Delay(new[] { 1 })", "TG0004")]
    [InlineData("public class Mail", "[Task] private static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0005")]
    [InlineData("public interface Mail", "[Task] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0006")]
    [InlineData("public class Mail", "[Task] public static System.Collections.Generic.IAsyncEnumerable<int> Send(int x) => null!;", "Mail.Send.Delay(1)", "TG0007")]
    [InlineData("public class Mail", "[Task(Name = \" \")] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0009")]
    [InlineData("public class Mail", "[Task] public static int Send(int x, System.Threading.CancellationToken a, System.Threading.CancellationToken b) => x;", "Mail.Send.Delay(1)", "TG0010")]
    [InlineData("public class Mail", "[Task] public static int Send(int x) => x; [Task(Name = \"Shop.Mail.Send2\")] public static int Send(string x) => 0;", "Mail.Send.Delay(\"a\")", "TG0011,TG0011")]
    [InlineData("public class Mail", "[Task] public static int Send(int x, [FromServices] int clock) => x;", "Mail.Send.Delay(1)", "TG0012")]
    [InlineData("public class Mail", "[Task] public static int Send(System.Func<int> x) => x();", "Mail.Send.Delay(() => 1)", "TG0101")]
    [InlineData("public class Mail", "[Task] public static int Send(System.Span<int> x) => 0;", "Mail.Send.Delay(new int[1])", "TG0102")]
    [InlineData("public class Mail", "[Task] public static int Send(System.IO.Stream x) => 0;", "Mail.Send.Delay(System.IO.Stream.Null)", "TG0103")]
    [InlineData("public class Mail", "[Task] public static int Send(System.Threading.Tasks.Task<int> x) => 0;", "Mail.Send.Delay(System.Threading.Tasks.Task.FromResult(1))", "TG0104")]
    [InlineData("public class Mail", "[Task] public static int Send(object x) => 0;", "Mail.Send.Delay(1)", "TG0105")]
    [InlineData("public class Mail", "[Task] public static int Send(System.IComparable x) => 0;", "Mail.Send.Delay(1)", "TG0106")]
    [InlineData("public class Mail", "[Task] public static int Send(Letter x) => 0;", "Mail.Send.Delay(new Shop.Letter(\"a\"))", "TG0109")]
    [InlineData("public class Mail", "[Task] public static Letter Send(int x) => new(\"a\");", "Mail.Send.Delay(1).GetAsync().Result.To", "TG0109")]
    [InlineData("public class Mail", "[Task] public static int Send(System.Collections.Generic.Dictionary<int, int> x) => 0;", "Mail.Send.Delay(new())", "TG0110")]
    [InlineData("public class Mail", "[Task] public static int Send(System.Uri x) => 0;", "Mail.Send.Delay(new System.Uri(\"http://a\"))", "TG0111")]
    [InlineData("public class Mail", "[Task(Queue = \" \")] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0205")]
    [InlineData("public class Mail", "[Task(RetryFor = new[] { typeof(string) })] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0305")]
    [InlineData("public class Mail", "[Task(RetryBackoff = double.NaN)] public static int Send(int x) => x;", "Mail.Send.Delay(1)", "TG0306")]
    public async Task ATaskTheGeneratorCannotSupportLeavesOnlyItsTGErrorAndItsCallersCompile(string container, string method, string call, string ids)
    {
        string source = $$"""
            using TaskGen;
            namespace Shop;
            public sealed record Letter(string To);
            {{container}}
            {
                {{method}}
            }
            """;
        string caller = $$"""
            using Shop.Remote;
            namespace Web;
            public static class Checkout
            {
                public static object Go() => {{call}};
            }
            """;
        CSharpCompilation compilation = Compilations.Create("Shop", ("Mail.cs", source), ("Checkout.cs", caller));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        GeneratorDriverRunResult run = driver.GetRunResult();
        Assert.Empty(generatorDiagnostics);
        Assert.DoesNotContain(run.GeneratedTrees, tree => tree.ToString().Contains("Invoke_Shop_Mail_Send", StringComparison.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1701"));

        ImmutableArray<Diagnostic> diagnostics = await Compilations.AnalyzeAsync(output);
        Assert.Equal(ids.Split(','), Compilations.Sorted(diagnostics).Select(d => d.Id).ToArray());

        // The stub's members throw naming the rule, so a build that turned the error down still says why.
        string stub = Assert.Single(run.GeneratedTrees, tree => tree.FilePath.EndsWith("Shop.Mail.Send.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains($"has build error {ids.Split(',')[0]}", stub, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AContractTaskWithATGErrorStillGetsItsStubAndItsCallersCompile()
    {
        const string contract = """
            using TaskGen;
            namespace Shop;
            public interface IMail
            {
                [Task] int Send(System.Func<int> x);
            }
            """;
        const string caller = """
            using Shop.Remote;
            namespace Web;
            public static class Checkout
            {
                public static object Go() => Mail.Send.Delay(() => 1);
            }
            """;
        CSharpCompilation compilation = Compilations.Create("Shop", ("IMail.cs", contract), ("Checkout.cs", caller));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Assert.Empty(generatorDiagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1701"));
        ImmutableArray<Diagnostic> diagnostics = await Compilations.AnalyzeAsync(output);
        Assert.Equal(new[] { "TG0101" }, Compilations.Sorted(diagnostics).Select(d => d.Id).ToArray());
        string stub = Assert.Single(driver.GetRunResult().GeneratedTrees, tree => tree.FilePath.EndsWith("Shop.Mail.Send.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("has build error TG0101", stub, StringComparison.Ordinal);
    }

    private const string GeometryTasks = """
        using TaskGen;
        namespace CeleryApp.Tasks;
        public static class Geometry
        {
            [Task]
            public static double RectArea(double h, double w) => h * w;

            public static double Square(double side) => Geometry.RectArea(side, side);
        }
        """;

    private const string BothUsings = """
        using CeleryApp.Tasks;
        using CeleryApp.Tasks.Remote;
        using TaskGen;
        public static class Program
        {
            public static AsyncResult<double> Area() => Geometry.RectArea.Delay(2, 2);
        }
        """;

    [Fact]
    public async Task AFileImportingTheTasksAndTheirRemoteNamespaceCallsTheStubWithoutAmbiguity()
    {
        Compilation output = RunGenerator(Compilations.Create("CeleryApp", ("Tasks/Geometry.cs", GeometryTasks), ("Program.cs", BothUsings)));

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1701"));
        Assert.Empty(await Compilations.AnalyzeAsync(output));
        Assert.Equal("CeleryApp.Tasks.Remote.Geometry.RectArea.Delay(double, double)", CalledMethod(output, "Program.cs", "Delay"));
    }

    [Fact]
    public void CodeInsideTheTaskNamespaceStillCallsItsOwnMethod()
    {
        Compilation output = RunGenerator(Compilations.Create("CeleryApp", ("Tasks/Geometry.cs", GeometryTasks), ("Program.cs", BothUsings)));

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1701"));
        Assert.Equal("CeleryApp.Tasks.Geometry.RectArea(double, double)", CalledMethod(output, "Tasks/Geometry.cs", "RectArea"));
    }

    [Fact]
    public void WithTaskGenStubAliasesFalseTheAmbiguityIsTheCompilersAgain()
    {
        Compilation output = RunGenerator(
            Compilations.Create("CeleryApp", ("Tasks/Geometry.cs", GeometryTasks), ("Program.cs", BothUsings)),
            new BuildProperties(("build_property.TaskGenStubAliases", "false")));

        Assert.Equal(new[] { "CS0104" }, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToArray());
    }

    [Fact]
    public void AnotherFileImportingTheTasksAloneStillCallsTheTaskMethodSoNoAliasIsMade()
    {
        // An alias is global: with it, this file's Geometry would be the stub. Its import of the tasks' namespace
        // alone says it means the task class, so the generator leaves the names to the compiler.
        const string direct = """
            using CeleryApp.Tasks;
            public static class Local
            {
                public static double Area() => Geometry.RectArea(2, 3);
            }
            """;
        Compilation output = RunGenerator(Compilations.Create("CeleryApp", ("Tasks/Geometry.cs", GeometryTasks), ("Program.cs", BothUsings), ("Local.cs", direct)));

        Assert.DoesNotContain(output.SyntaxTrees, tree => tree.FilePath.EndsWith("StubAliases.g.cs", StringComparison.Ordinal));
        Assert.Equal("CeleryApp.Tasks.Geometry.RectArea(double, double)", CalledMethod(output, "Local.cs", "RectArea"));
    }

    [Fact]
    public void ATaskClassNamedLikeATypeOfAnImportedNamespaceGetsNoAliasThatWouldHideIt()
    {
        // Implicit usings import System.IO in every file: an alias File would turn File.Exists into the stub's.
        const string tasks = """
            using TaskGen;
            namespace Store.Tasks;
            public static class File
            {
                [Task]
                public static int Archive(int id) => id;
            }
            """;
        const string program = """
            global using System.IO;
            using Store.Tasks;
            using Store.Tasks.Remote;
            public static class Program
            {
                public static bool Here() => File.Exists("x");
            }
            """;
        Compilation output = RunGenerator(Compilations.Create("Store", ("Tasks/File.cs", tasks), ("Program.cs", program)));

        Assert.DoesNotContain(output.SyntaxTrees, tree => tree.FilePath.EndsWith("StubAliases.g.cs", StringComparison.Ordinal));
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS0104");
    }

    private static Compilation RunGenerator(CSharpCompilation compilation, AnalyzerConfigOptionsProvider? options = null)
    {
        CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions, optionsProvider: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        return output;
    }

    /// <summary>The method the first call to <paramref name="name"/> in <paramref name="path"/> binds to.</summary>
    private static string CalledMethod(Compilation compilation, string path, string name)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax call = tree.GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>()
            .First(i => i.Expression is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax m && m.Name.Identifier.ValueText == name);
        ISymbol? method = compilation.GetSemanticModel(tree).GetSymbolInfo(call).Symbol;
        Assert.NotNull(method);
        return method!.ToDisplayString();
    }

    /// <summary>MSBuild properties as the compiler hands them to generators (<c>build_property.*</c>).</summary>
    private sealed class BuildProperties : AnalyzerConfigOptionsProvider
    {
        private readonly Options _options;

        public BuildProperties(params (string Key, string Value)[] values) => _options = new Options(values.ToDictionary(v => v.Key, v => v.Value));

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.None;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options None = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    [Fact]
    public async Task BrokenSampleShowsEachDiagnosticWithFileLineAndColumn()
    {
        const string broken = """
            using System;
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace CeleryApp.Tasks;

            public class Geometry
            {
                [Task(Queue = "calc")]
                public double RectArea(double h, double w) => h * w;

                [Task(Queue = "math")]
                public static double CircleArea(ref double r) => Math.PI * r * r;

                [Task]
                public static void Draw(Func<double, double> shape) { }
            }

            public static class Caller
            {
                public static TaskOptions Later() => new TaskOptions { Queue = "maths", Countdown = TimeSpan.FromSeconds(-5) };
            }
            """;
        CSharpCompilation compilation = Compilations.Create("CeleryApp", ("Tasks/Geometry.cs", broken));

        ImmutableArray<Diagnostic> diagnostics = await Compilations.AnalyzeAsync(compilation);

        string[] shown = Compilations.Sorted(diagnostics).Select(d => d.ToString()).ToArray();
        foreach (string line in shown)
        {
            _output.WriteLine(line);
        }

        Assert.Equal(
            new[]
            {
                "Tasks/Geometry.cs(11,19): error TG0001: Task 'CeleryApp.Tasks.Geometry.RectArea' is an instance method: make it static, since a worker calls tasks without an instance",
                "Tasks/Geometry.cs(13,19): error TG0201: Task 'CeleryApp.Tasks.Geometry.CircleArea' is routed to queue 'math', which no assembly declares: add [assembly: TaskQueue(\"math\")]",
                "Tasks/Geometry.cs(14,37): error TG0003: Parameter 'r' of task 'CeleryApp.Tasks.Geometry.CircleArea' is declared 'ref': remove the modifier, since a remote call cannot pass a reference back",
                "Tasks/Geometry.cs(17,29): error TG0101: Parameter 'shape' of task 'CeleryApp.Tasks.Geometry.Draw' sends 'Func<double, double>', a delegate or expression tree, which cannot be sent: send the data the code needs and choose the behaviour on the worker",
                "Tasks/Geometry.cs(22,68): error TG0202: Queue 'maths' is not declared, so the app refuses this call: add [assembly: TaskQueue(\"maths\")] or route to a declared queue",
                "Tasks/Geometry.cs(22,89): warning TG0301: Countdown is -00:00:05, which is in the past, so the task runs at once: use a positive delay, or leave Countdown unset",
            },
            shown);

        FileLinePositionSpan span = diagnostics.Single(d => d.Id == "TG0202").Location.GetLineSpan();
        Assert.Equal(("Tasks/Geometry.cs", 21, 67), (span.Path, span.StartLinePosition.Line, span.StartLinePosition.Character));
    }

    [Fact]
    public async Task BrokenCanvasCompilesAndShowsEachCanvasDiagnosticWithFileLineAndColumn()
    {
        const string tasks = """
            using System.Collections.Generic;
            using TaskGen;

            [assembly: TaskQueue("fleet", Broadcast = true)]

            namespace Shop;

            public static class Reports
            {
                [Task] public static double Price(int item) => item;
                [Task] public static int Count(List<string> labels) => labels.Count;
                [Task] public static double Sum(List<double> values, int scale) => scale;
                [Task] public static void Retry(int attempt) { }
                [Task(Queue = "fleet")] public static double Announce(List<double> values) => 0;
            }
            """;
        const string caller = """
            using TaskGen;
            using Shop.Remote;

            namespace App;

            public static class Caller
            {
                public static object Wrong() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Count.Partial());
                public static object Step() => Reports.Price.Signature(1).Then(Reports.Count.Partial());
                public static object Immutable() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Signature(new(), 2));
                public static object Ignored() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1, new() { IgnoreResult = true })), Reports.Sum.Partial(2));
                public static object Everyone() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Announce.Partial());
                public static object Errback() => Reports.Price.Signature(1).OnError(Reports.Retry.Partial());
            }
            """;
        CSharpCompilation compilation = Compilations.Create("Shop", ("Reports.cs", tasks), ("Caller.cs", caller));
        CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        ImmutableArray<Diagnostic> diagnostics = await Compilations.AnalyzeAsync(output);

        string[] shown = Compilations.Sorted(diagnostics).Select(d => d.ToString()).ToArray();
        foreach (string line in shown)
        {
            _output.WriteLine(line);
        }

        Assert.Equal(
            new[]
            {
                "Caller.cs(8,92): error TG0401: The chord body 'Reports.Count' takes List<string> first, but its header's tasks return double: give Count a first parameter of List<double> (or IReadOnlyList<double>), or change the header",
                "Caller.cs(9,68): error TG0402: The next step 'Reports.Count' takes List<string> first, but the call before it returns double: give Count a first parameter of double, or put a step between them that turns double into List<string>",
                "Caller.cs(10,96): info TG0403: The chord body 'Reports.Sum' is a full signature, so it runs without the header's results: use Reports.Sum.Partial(...) without the first argument if it needs them",
                "Caller.cs(11,65): error TG0404: The header member 'Reports.Price' is sent with IgnoreResult = true, so the chord never counts it and its body never runs: remove IgnoreResult from this call",
                "Caller.cs(12,95): error TG0405: The chord body 'Reports.Announce' goes to the broadcast queue 'fleet', where every worker would run it and answer for the one chord: route the body to a direct queue with new TaskOptions { Queue = ... }, or use a task of a direct queue",
                "Caller.cs(13,74): error TG0406: The error callback 'Reports.Retry' takes int first, but an error callback receives the failed task's id, a string: give Retry a first parameter of string",
            },
            shown);
    }

    [Fact]
    public async Task PeriodicTasksCompileAndEachBrokenOneShowsOneDiagnostic()
    {
        const string tasks = """
            using System.Threading;
            using System.Threading.Tasks;
            using TaskGen;
            using TaskGen.Scheduling;

            namespace Ops;

            public static class Maintenance
            {
                [Task, Periodic(Every = "30 s"), Periodic(Cron = "0 6 * * 1-5", TimeZone = "Europe/Berlin", Name = "ops.morning", Misfire = MisfirePolicy.Skip)]
                public static Task SweepAsync(CancellationToken cancellationToken, int batch = 100) => Task.CompletedTask;

                [Task, Periodic(Cron = "0 6 * *")] public static void Report() { }
                [Task, Periodic(Every = "250 ms")] public static void Poll() { }
                [Task, Periodic(Cron = "0 6 * * *", TimeZone = "Europe/Berln")] public static void Mail() { }
                [Task, Periodic(Every = "1 m")] public static void Resize(int width) { }
                [Task, Periodic(Every = "1 m", Name = "ops.morning")] public static void Again() { }
            }
            """;
        CSharpCompilation compilation = Compilations.Create("Ops", ("Maintenance.cs", tasks));
        CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        string registry = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("TaskRegistry.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("schedule.Add(\"ops.morning\", global::Ops.Remote.Maintenance.SweepAsync.Signature()", registry, StringComparison.Ordinal);
        Assert.DoesNotContain("Resize.Signature()", registry, StringComparison.Ordinal);
        Assert.DoesNotContain("Poll.Signature()", registry, StringComparison.Ordinal);

        ImmutableArray<Diagnostic> diagnostics = await Compilations.AnalyzeAsync(output);

        string[] shown = Compilations.Sorted(diagnostics).Select(d => d.ToString()).ToArray();
        foreach (string line in shown)
        {
            _output.WriteLine(line);
        }

        Assert.Equal(
            new[]
            {
                "Maintenance.cs(13,28): error TG0501: Cron expression \"0 6 * *\" does not parse: it has 4 fields; write five fields (minute hour day month weekday) or six (seconds first), such as \"0 6 * * *\" for 06:00 every day",
                "Maintenance.cs(14,29): error TG0505: The interval \"250 ms\" is under one second, the shortest a schedule may have: use one second or more, such as TimeSpan.FromSeconds(1) or \"1 s\"",
                "Maintenance.cs(15,52): error TG0502: Time zone \"Europe/Berln\" is not a known IANA time-zone id (did you mean \"Europe/Berlin\"?): write an id such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"",
                "Maintenance.cs(16,12): error TG0506: [Periodic] on 'Maintenance.Resize' cannot be registered: the task takes the argument 'width', and a periodic run sends none; give it a default value, or add an entry with ScheduleBuilder.Add and the task's Signature(...)",
                "Maintenance.cs(17,43): error TG0504: Schedule entry 'ops.morning' is also added at Maintenance.cs(10,104): give one of them another name, since each run's task id is derived from the entry's name",
            },
            shown);
    }

    [Fact]
    public async Task ThousandTasksAnalyzerTime()
    {
        const int classes = 50, perClass = 20;
        var sources = new List<(string, string)>
        {
            ("Assembly.cs", """
                using System.Text.Json.Serialization;
                using TaskGen;
                [assembly: TaskQueue("calc")]
                [assembly: TaskQueue("fleet", Broadcast = true)]
                [assembly: TaskJsonContext(typeof(Load.LoadJson))]
                namespace Load;
                public sealed record Point(double X, double Y);
                public sealed record Route(string Name, System.Collections.Generic.List<Point> Stops);
                [JsonSerializable(typeof(Route))]
                internal sealed class LoadJson : JsonSerializerContext
                {
                    // System.Text.Json's generator writes these in a real build; this test runs only TaskGen's.
                    public LoadJson() : base(null) { }
                    public static LoadJson Default { get; } = new();
                    protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                    public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
                }
                """),
        };
        for (int c = 0; c < classes; c++)
        {
            var text = new StringBuilder();
            text.AppendLine("using System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing TaskGen;\nnamespace Load;");
            text.AppendLine($"public static class Jobs{c}\n{{");
            for (int t = 0; t < perClass; t++)
            {
                text.AppendLine((t % 4) switch
                {
                    0 => $"    [Task(Queue = \"calc\")] public static int Add{t}(int a, int b) => a + b;",
                    1 => $"    [Task] public static Task<string> Name{t}(string s, CancellationToken ct) => Task.FromResult(s);",
                    2 => $"    [Task(Name = \"load.{c}.{t}\")] public static ValueTask<Route> Plan{t}(Route route, List<Point> extra, TaskContext context) => new(route);",
                    _ => $"    [Task] public static Dictionary<string, int[]> Count{t}(IReadOnlyList<Point?>? points, int? limit = 10) => new();",
                });
            }

            text.AppendLine("}");
            sources.Add(($"Jobs{c}.cs", text.ToString()));
        }

        CSharpCompilation compilation = Compilations.Create("Load", sources.ToArray());
        var clock = Stopwatch.StartNew();
        CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        TimeSpan generator = clock.Elapsed;

        clock.Restart();
        ImmutableArray<Diagnostic> compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        TimeSpan compiler = clock.Elapsed;

        // An analyzer that only asks for the same callbacks gives the cost of the driver and of binding every body
        // again; the difference to ours is what TaskGen's rules add to a build. Best of two runs each.
        TimeSpan baseline = TimeSpan.MaxValue, analyzers = TimeSpan.MaxValue;
        ImmutableArray<Diagnostic> diagnostics = default;
        CompilationWithAnalyzers? withAnalyzers = null;
        for (int round = 0; round < 2; round++)
        {
            clock.Restart();
            await output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new CallbacksOnly())).GetAnalyzerDiagnosticsAsync();
            baseline = Min(baseline, clock.Elapsed);

            withAnalyzers = output.WithAnalyzers(Compilations.AllAnalyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
            clock.Restart();
            diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
            analyzers = Min(analyzers, clock.Elapsed);
        }

        _output.WriteLine($"{classes * perClass} tasks in {classes} classes: generator {generator.TotalMilliseconds:0} ms, compiler diagnostics {compiler.TotalMilliseconds:0} ms");
        _output.WriteLine($"  analyzers {analyzers.TotalMilliseconds:0} ms wall, against {baseline.TotalMilliseconds:0} ms for an analyzer with the same callbacks and no work: {(analyzers - baseline).TotalMilliseconds:0} ms added");
        foreach (DiagnosticAnalyzer analyzer in Compilations.AllAnalyzers)
        {
            AnalyzerTelemetryInfo info = await withAnalyzers!.GetAnalyzerTelemetryInfoAsync(analyzer, default);
            _output.WriteLine($"  {analyzer.GetType().Name}: {info.ExecutionTime.TotalMilliseconds:0} ms in its callbacks");
        }

        Assert.Empty(compilerErrors);
        Assert.Empty(diagnostics);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Registers the callbacks TaskGen's analyzers use and does nothing in them: the baseline of the time test.</summary>
    // Handed to WithAnalyzers directly, never discovered from an assembly, so it needs no [DiagnosticAnalyzer].
#pragma warning disable RS1001
    private sealed class CallbacksOnly : DiagnosticAnalyzer
#pragma warning restore RS1001
    {
        // The driver skips an analyzer with no enabled descriptor, callbacks and all; this one is borrowed and never reported.
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(DiagnosticDescriptors.TaskMustBeStatic);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(_ => { }, SymbolKind.Method);
            context.RegisterSyntaxNodeAction(_ => { }, SyntaxKind.Attribute);
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation, OperationKind.SimpleAssignment, OperationKind.ObjectCreation);
        }
    }
}
