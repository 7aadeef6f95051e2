using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.CanvasAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Canvas rules (TG0401–TG0406) on chains, chords and callbacks built from the generator's real stubs.</summary>
public sealed class CanvasAnalyzerTests
{
    /// <summary>Tasks whose first parameters fit some canvases and not others.</summary>
    internal const string Tasks = """
        using System.Collections.Generic;
        using TaskGen;
        [assembly: TaskQueue("fleet", Broadcast = true)]
        namespace Shop;
        public static class Reports
        {
            [Task] public static double Price(int item) => item;
            [Task] public static List<double> Prices(int count) => new();
            [Task] public static double Sum(List<double> values, int scale) => scale;
            [Task] public static double Total(IReadOnlyList<double> values) => 0;
            [Task] public static double Largest(double[] values) => 0;
            [Task] public static int Count(List<string> labels) => labels.Count;
            [Task] public static double Scale(double value, int factor) => value * factor;
            [Task] public static double Round(double? value) => 0;
            [Task] public static string Label(double value) => "";
            [Task] public static void Alert(string taskId, string channel) { }
            [Task] public static void Retry(int attempt) { }
            [Task] public static int Notify() => 0;
            [Task(Queue = "fleet")] public static double Announce(List<double> values) => 0;
        }
        """;

    private static Verify Test(string caller)
    {
        var test = new Verify(Tasks);
        foreach (string generated in GeneratedStubs.For(Tasks))
        {
            test.TestState.Sources.Add(generated);
        }

        test.TestState.Sources.Add(caller);
        return test;
    }

    [Fact]
    public Task AChordBodyWhoseListDoesNotTakeTheHeaderResultsIsReportedWithWhatToChange()
    {
        Verify test = Test("""
            using TaskGen;
            using Shop.Remote;
            namespace App;
            public static class Caller
            {
                public static object Inline() =>
                    TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1), Reports.Price.Signature(2)), {|#0:Reports.Count.Partial()|});

                public static object FromALocal()
                {
                    TaskGroup<double> header = TaskGroup.Of(Reports.Price.Signature(1));
                    return TaskChord.Of(header, {|#1:Reports.Scale.Partial(2)|});
                }
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.ChordBodyDoesNotTakeHeaderResults).WithLocation(0)
            .WithArguments("Reports.Count", "List<string>", "double", "Count"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.ChordBodyDoesNotTakeHeaderResults).WithLocation(1)
            .WithArguments("Reports.Scale", "double", "double", "Scale"));
        return test.RunAsync();
    }

    [Fact]
    public Task AChordBodyThatTakesTheHeaderResultsAsAListIsNotReportedNorOneWhoseHeaderIsUnknown() => Test("""
        using System.Collections.Generic;
        using System.Linq;
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object AsList() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Partial(2));
            public static object AsSequence() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Total.Partial());
            public static object AsArray() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Largest.Partial());
            public static object FromALoop(IEnumerable<int> items) => TaskChord.Of(TaskGroup.Of(items.Select(i => Reports.Price.Signature(i))), Reports.Sum.Partial(1));
            public static object FromAPlainGroup(TaskGroup header) => TaskChord.Of(header, Reports.Count.Partial());
            public static object Mixed() => TaskChord.Of(TaskGroup.Mixed(Reports.Price.Signature(1), Reports.Label.Signature(2)), Reports.Count.Partial());
        }
        """).RunAsync();

    [Fact]
    public Task AStepOrCallbackThatCannotTakeThePreviousResultIsReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Then() => Reports.Price.Signature(1).Then({|TG0402:Reports.Count.Partial()|});
            public static object ThenOnAChain() => Reports.Price.Signature(1).Then(Reports.Scale.Partial(2)).Then({|TG0402:Reports.Total.Partial()|});
            public static object OnSuccess() => Reports.Label.Signature(1).OnSuccess({|TG0402:Reports.Scale.Partial(3)|});
        }
        """).RunAsync();

    [Fact]
    public Task AStepThatTakesThePreviousResultOrIgnoresItIsNotReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Same() => Reports.Price.Signature(1).Then(Reports.Scale.Partial(2)).Then(Reports.Label.Partial());
            public static object ByReference() => Reports.Prices.Signature(3).Then(Reports.Total.Partial());
            public static object Nullable() => Reports.Price.Signature(1).Then(Reports.Round.Partial());
            public static object Immutable() => Reports.Price.Signature(1).Then(Reports.Count.Signature(new()));
            public static object OnSuccess() => Reports.Price.Signature(1).OnSuccess(Reports.Label.Partial());
        }
        """).RunAsync();

    [Fact]
    public Task AnImmutableChordBodyIsReportedAsDroppingTheHeaderResults() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Immutable() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0403:Reports.Scale.Signature(1, 2)|});
        }
        """).RunAsync();

    [Fact]
    public Task APartialChordBodyOrABodyWithNoArgumentsIsNotReportedAsDroppingTheHeaderResults() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Partial() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Partial(2));
            public static object NoArguments() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Notify.Signature());
        }
        """).RunAsync();

    [Fact]
    public Task AHeaderMemberThatIgnoresItsResultIsReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Params() => TaskChord.Of(
                TaskGroup.Of({|TG0404:Reports.Price.Signature(1, new TaskOptions { IgnoreResult = true })|}, Reports.Price.Signature(2)),
                Reports.Sum.Partial(1));

            public static object Array() => TaskChord.Of(
                TaskGroup.Of(new[] { Reports.Price.Signature(1), {|TG0404:Reports.Price.Signature(2, new() { IgnoreResult = true }).OnError(Reports.Alert.Partial("ops"))|} }),
                Reports.Sum.Partial(1));

            public static object Mixed() => TaskChord.Of(
                TaskGroup.Mixed(Reports.Price.Signature(1), {|TG0404:Reports.Label.Signature(2, new TaskOptions { Queue = "celery", IgnoreResult = true })|}),
                Reports.Notify.Signature());
        }
        """).RunAsync();

    [Fact]
    public Task AHeaderMemberThatKeepsItsResultOrAGroupOutsideAChordIsNotReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Kept() => TaskChord.Of(
                TaskGroup.Of(Reports.Price.Signature(1, new TaskOptions { IgnoreResult = false }), Reports.Price.Signature(2, null)),
                Reports.Sum.Partial(1));

            public static object NotAChord() => TaskGroup.Of(Reports.Price.Signature(1, new TaskOptions { IgnoreResult = true }));
        }
        """).RunAsync();

    [Fact]
    public Task AChordBodyOnABroadcastQueueIsReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object ByItsTask() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0405:Reports.Announce.Partial()|});
            public static object ByItsOptions() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0405:Reports.Sum.Partial(1, new TaskOptions { Queue = "fleet" })|});
        }
        """).RunAsync();

    [Fact]
    public Task AChordBodyOnADirectQueueOrRoutedOutOfSightIsNotReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Rerouted() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Announce.Partial(new TaskOptions { Queue = "celery" }));
            public static object Direct() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Partial(1));
            public static object Unknown(TaskOptions options) => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Announce.Partial(options));
        }
        """).RunAsync();

    [Fact]
    public Task AnErrbackThatCannotTakeATaskIdIsReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Typed() => Reports.Price.Signature(1).OnError({|TG0406:Reports.Retry.Partial()|});
            public static object Untyped() => Reports.Alert.Signature("id", "ops").OnError({|TG0406:Reports.Scale.Partial(1)|});
        }
        """).RunAsync();

    [Fact]
    public Task AnErrbackThatTakesATaskIdIsNotReported() => Test("""
        using TaskGen;
        using Shop.Remote;
        namespace App;
        public static class Caller
        {
            public static object Typed() => Reports.Price.Signature(1).OnError(Reports.Alert.Partial("ops"));
        }
        """).RunAsync();

    [Fact]
    public async Task StubsFromAReferencedTaskAssemblyAreChecked()
    {
        MetadataReference library = await GeneratedStubs.CompileLibraryAsync("Shop", Tasks);
        await new Verify("""
            using TaskGen;
            using Shop.Remote;
            namespace App;
            public static class Caller
            {
                public static object Mismatch() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0401:Reports.Count.Partial()|});
                public static object Broadcast() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), {|TG0405:Reports.Announce.Partial()|});
                public static object Errback() => Reports.Price.Signature(1).OnError({|TG0406:Reports.Retry.Partial()|});
                public static object Fits() => TaskChord.Of(TaskGroup.Of(Reports.Price.Signature(1)), Reports.Sum.Partial(2));
            }
            """).WithLibrary(library).RunAsync();
    }
}
