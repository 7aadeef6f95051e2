using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskGen.Generators.Tests;

/// <summary>
/// What each kind of edit re-runs. An editor re-runs the generator on every keystroke, so an edit that
/// cannot change the output must stop at the first equal spec.
/// </summary>
public sealed class IncrementalityTests
{
    private const string Tasks = """
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace CeleryApp.Tasks;
        public static class Geometry
        {
            [Task(Queue = "calc")]
            public static double RectArea(double h, double w) => h * w;
        }
        """;

    private static readonly string[] s_ourSteps =
    [
        TrackingNames.Tasks, TrackingNames.Assembly, TrackingNames.EmitContext, TrackingNames.TaskSources, TrackingNames.Registry,
        TrackingNames.Imports, TrackingNames.StubAliases,
    ];

    private const string Caller = """
        using CeleryApp.Tasks;
        using CeleryApp.Tasks.Remote;
        public static class Caller
        {
            public static object Go() => Geometry.RectArea.Delay(2, 2);
        }
        """;

    [Fact]
    public void UnrelatedFileAddedReusesEveryOutput()
    {
        GeneratorRunResult result = RunTwice(Tasks, c => c.AddSyntaxTrees(Parse("public class Unrelated { public int X; }")));

        AssertReasons(result, TrackingNames.Tasks, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(result, TrackingNames.TaskSources, IncrementalStepRunReason.Cached);
        AssertReasons(result, TrackingNames.Registry, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void BodyEditLeavesTheSpecUnchanged()
    {
        GeneratorRunResult result = RunTwice(Tasks, c => Replace(c, Tasks, Tasks.Replace("=> h * w;", "=> w * h * 1.0;", StringComparison.Ordinal)));

        AssertReasons(result, TrackingNames.Tasks, IncrementalStepRunReason.Unchanged);
        AssertReasons(result, TrackingNames.TaskSources, IncrementalStepRunReason.Cached);
        AssertReasons(result, TrackingNames.Registry, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void QueueChangeModifiesTheTask()
    {
        string edited = Tasks.Replace("[Task(Queue = \"calc\")]", "[Task(Queue = \"celery\")]", StringComparison.Ordinal);
        GeneratorRunResult result = RunTwice(Tasks, c => Replace(c, Tasks, edited));

        AssertReasons(result, TrackingNames.Tasks, IncrementalStepRunReason.Modified);
        AssertReasons(result, TrackingNames.TaskSources, IncrementalStepRunReason.Modified);
        AssertReasons(result, TrackingNames.Registry, IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void NewTaskLeavesExistingOutputsUnchanged()
    {
        const string second = """
            using TaskGen;
            namespace CeleryApp.Tasks;
            public static class Arithmetics
            {
                [Task]
                public static int Add(int a, int b) => a + b;
            }
            """;
        GeneratorRunResult result = RunTwice(Tasks, c => c.AddSyntaxTrees(Parse(second)));

        var taskSources = Outputs(result, TrackingNames.TaskSources).ToList();
        Assert.Equal(2, taskSources.Count);
        Assert.Contains(taskSources, o => o.Reason == IncrementalStepRunReason.New && Source(o.Value).Contains("Arithmetics", StringComparison.Ordinal));
        Assert.Contains(taskSources, o => o.Reason == IncrementalStepRunReason.Cached && Source(o.Value).Contains("RectArea", StringComparison.Ordinal));
    }

    [Fact]
    public void BodyEditInAFileThatImportsBothReusesTheAliases()
    {
        string edited = Caller.Replace("Delay(2, 2)", "Delay(3, 4)", StringComparison.Ordinal);
        GeneratorRunResult result = RunTwice(new[] { Tasks, Caller }, c => Replace(c, Caller, edited));

        // The edited file's imports are read again and compare equal, so the aliases' inputs stay cached.
        Assert.Contains(Outputs(result, TrackingNames.Imports), o => o.Reason == IncrementalStepRunReason.Unchanged);
        AssertReasons(result, TrackingNames.StubAliases, IncrementalStepRunReason.Cached);
        AssertReasons(result, TrackingNames.TaskSources, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void UsingAddedModifiesTheAliases()
    {
        string before = Caller.Replace("using CeleryApp.Tasks.Remote;\n", string.Empty, StringComparison.Ordinal);
        GeneratorRunResult result = RunTwice(new[] { Tasks, before }, c => Replace(c, before, Caller));

        AssertReasons(result, TrackingNames.StubAliases, IncrementalStepRunReason.Modified);
        AssertReasons(result, TrackingNames.TaskSources, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void StepOutputsHoldNoSymbolsSyntaxOrCompilation()
    {
        GeneratorRunResult result = RunTwice(new[] { Tasks, Caller }, c => c.AddSyntaxTrees(Parse("public class Unrelated { }")));

        int walked = 0;
        foreach (string step in s_ourSteps)
        {
            foreach ((object value, IncrementalStepRunReason _) in Outputs(result, step))
            {
                AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                walked++;
            }
        }

        Assert.True(walked >= s_ourSteps.Length, "Every tracked step should have produced at least one output.");
    }

    private const string ContractAndImplementation = """
        using TaskGen;
        [assembly: TaskQueue("mail")]
        namespace Shop;
        public interface IMail
        {
            [Task(Queue = "mail")] string Send(string to);
        }
        public interface IReports
        {
            [Task] int Count(string month);
        }
        [TaskImplementation]
        public sealed class SmtpMail : IMail
        {
            public string Send(string to) => to;
        }
        public static class ReportCode
        {
            [TaskImplementation(typeof(IReports), nameof(IReports.Count))]
            public static int Count(string month) => month.Length;
        }
        """;

    [Fact]
    public void AnImplementationsBodyEditLeavesItsSpecUnchangedAndHoldsNoSymbols()
    {
        string edited = ContractAndImplementation.Replace("public string Send(string to) => to;", "public string Send(string to) => to + \"!\";", StringComparison.Ordinal);
        GeneratorRunResult result = RunTwice(ContractAndImplementation, c => Replace(c, ContractAndImplementation, edited));

        AssertReasons(result, TrackingNames.Implementations, IncrementalStepRunReason.Unchanged);
        AssertReasons(result, TrackingNames.ImplementationSources, IncrementalStepRunReason.Cached);
        AssertReasons(result, TrackingNames.Registry, IncrementalStepRunReason.Cached);
        foreach (string step in new[] { TrackingNames.Implementations, TrackingNames.ImplementationSources })
        {
            foreach ((object value, IncrementalStepRunReason _) in Outputs(result, step))
            {
                AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    [Fact]
    public void GraphWalkCatchesASymbol()
    {
        // The walker itself must be able to fail, or the test above proves nothing.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Tasks);
        var leaky = new { Name = "x", Symbol = (object)compilation.Assembly };
        Assert.ThrowsAny<Exception>(() => AssertNoRoslynObjects(leaky, "test", new HashSet<object>(ReferenceEqualityComparer.Instance)));
    }

    private static GeneratorRunResult RunTwice(string source, Func<Compilation, Compilation> edit) => RunTwice(new[] { source }, edit);

    private static GeneratorRunResult RunTwice(string[] sources, Func<Compilation, Compilation> edit)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        return driver.GetRunResult().Results.Single();
    }

    private static SyntaxTree Parse(string source) => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions);

    private static Compilation Replace(Compilation compilation, string oldSource, string newSource)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.ToString() == oldSource);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newSource, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step)
    {
        Assert.True(result.TrackedSteps.ContainsKey(step), $"Step '{step}' was not tracked.");
        return result.TrackedSteps[step].SelectMany(s => s.Outputs);
    }

    private static void AssertReasons(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        var outputs = Outputs(result, step).ToList();
        Assert.NotEmpty(outputs);
        foreach ((object _, IncrementalStepRunReason reason) in outputs)
        {
            Assert.True(allowed.Contains(reason), $"Step '{step}' ran with reason {reason}; expected {string.Join(" or ", allowed)}.");
        }
    }

    private static string Source(object value) => value is ValueTuple<string, string> pair ? pair.Item2 : value.ToString() ?? string.Empty;

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }

        Assert.False(
            value is ISymbol or SyntaxNode or SemanticModel or Compilation or Location or SyntaxTree,
            $"{path} holds a {value.GetType().Name}, which ties the step's cache to one compilation.");

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        for (Type? type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
            }
        }
    }
}
