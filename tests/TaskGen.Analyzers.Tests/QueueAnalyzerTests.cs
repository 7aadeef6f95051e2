using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.QueueAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Queue and routing rules (TG0201–TG0209), with queues declared here, in referenced assemblies, or nowhere.</summary>
public sealed class QueueAnalyzerTests
{
    /// <summary>What the generator emits for a task at call sites: a signature factory that takes options.</summary>
    private const string Stub = """
        namespace App.Remote
        {
            public static class Calc
            {
                public static TaskGen.Signature<int> Signature(int x, TaskGen.TaskOptions? options = null) => throw new System.NotImplementedException();
            }
        }
        """;

    private const string Declarations = """
        [assembly: TaskGen.TaskQueue("calc")]
        [assembly: TaskGen.TaskQueue("fleet", Broadcast = true)]
        """;

    /// <summary>The constants class the generator emits for an assembly named TestProject.</summary>
    private const string GeneratedQueues = """
        namespace TestProject
        {
            [System.CodeDom.Compiler.GeneratedCode("TaskGen.Generators", "1.0.0.0")]
            public static partial class Queues
            {
                public const string Celery = "celery";
                public const string Calc = "calc";
                public const string Fleet = "fleet";
            }
        }
        """;

    [Fact]
    public Task TaskOnAnUndeclaredQueueIsReportedOnTheQueueLiteral() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Jobs
        {
            [Task(Queue = {|TG0201:"math"|})] public static int A(int x) => x;
            [Task(Queue = "calc")] public static int B(int x) => x;
            [Task(Queue = "celery")] public static int C(int x) => x;
            [Task] public static int D(int x) => x;
        }
        """);

    [Fact]
    public async Task QueueDeclaredInAReferencedAssemblyIsDeclared()
    {
        MetadataReference library = await TestReferences.CompileLibraryAsync("Lib", """
            using TaskGen;
            [assembly: TaskQueue("shared")]
            [assembly: TaskQueue("everyone", Broadcast = true)]
            namespace Lib;
            public static class Marker { }
            """);
        await new Verify("""
            using TaskGen;
            namespace App;
            public static class Jobs
            {
                [Task(Queue = "shared")] public static int A(int x) => x;
                [Task(Queue = "everyone")] public static int B(int x) => x;
                public static TaskOptions Options() => new TaskOptions { Queue = "shared" };
            }
            """).WithLibrary(library).RunAsync();
    }

    [Fact]
    public Task CallSiteQueueConstantNamingAnUndeclaredQueueIsReported() => new Verify("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Caller
        {
            private const string Nowhere = "nowhere";
            public static TaskOptions A() => new TaskOptions { Queue = {|TG0202:"math"|} };
            public static TaskOptions B() => new() { Queue = {|TG0202:Nowhere|}, Countdown = null };
            public static void C(TaskOptions options) => options.Queue = {|TG0202:"elsewhere"|};
            public static TaskOptions D(string queue) => new TaskOptions { Queue = queue };
            public static TaskOptions E() => new TaskOptions { Queue = "calc" };
            public static TaskOptions F() => new TaskOptions { Queue = "celery" };
        }
        """).RunAsync();

    [Fact]
    public Task WorkerQueuesNamingAnUndeclaredQueueAreReported() => new Verify("""
        using System.Collections.Generic;
        using TaskGen;
        using TaskGen.Worker;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Workers
        {
            private const string Nope = "nope";
            public static void A(WorkerOptions w) => w.Queues = ["celery", "calc", {|TG0211:"calk"|}];
            public static void B(WorkerOptions w) => w.Queues = new[] { {|TG0211:Nope|} };
            public static void C(WorkerOptions w) => w.Queues = new List<string> { "calc", {|TG0211:"elsewhere"|} };
            public static void D(WorkerOptions w) => w.Queues.Add({|TG0211:"later"|});
            public static void E(WorkerOptions w, string queue) => w.Queues = [queue];
            public static void F(WorkerOptions w) => w.Queues = ["celery", "calc"];
            public static void G(WorkerOptions w) => w.Queues = [{|TG0205:"amq.mine"|}];
        }
        """).RunAsync();

    [Fact]
    public Task ScheduleEntryQueueNamingAnUndeclaredQueueIsReported() => new Verify("""
        using TaskGen;
        using TaskGen.Scheduling;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Entries
        {
            public static ScheduleEntryOptions A() => new ScheduleEntryOptions { Queue = {|TG0202:"calk"|} };
            public static ScheduleEntryOptions B() => new() { Queue = "calc", Misfire = MisfirePolicy.Skip };
        }
        """).RunAsync();

    [Fact]
    public Task RoutingKeyOnTheDefaultExchangeNamingNoQueueIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Caller
        {
            public static TaskOptions A() => new TaskOptions { RoutingKey = {|TG0203:"math"|} };
            public static TaskOptions B() => new TaskOptions { RoutingKey = "math", Exchange = "topic_exchange" };
            public static TaskOptions C() => new TaskOptions { RoutingKey = "calc" };
        }
        """);

    [Fact]
    public async Task QueueDeclaredWithTwoKindsIsReported()
    {
        MetadataReference library = await TestReferences.CompileLibraryAsync("Lib", """
            using TaskGen;
            [assembly: TaskQueue("fleet", Broadcast = true)]
            [assembly: TaskQueue("calc")]
            namespace Lib;
            public static class Marker { }
            """);
        var test = new Verify("""
            using TaskGen;
            [assembly: TaskQueue({|#0:"fleet"|})]
            [assembly: TaskQueue("calc")]
            namespace App;
            public static class Marker { }
            """).WithLibrary(library);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.QueueKindConflict).WithLocation(0)
            .WithArguments("fleet", "as a direct queue", "as a broadcast queue", "in assembly 'Lib'"));
        await test.RunAsync();
    }

    [Fact]
    public Task QueueDeclaredTwiceWithTwoKindsInOneAssemblyIsReportedOnBoth() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue({|TG0204:"fleet"|})]
        [assembly: TaskQueue({|TG0204:"fleet"|}, Broadcast = true)]
        [assembly: TaskQueue("calc")]
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Marker { }
        """);

    [Fact]
    public Task QueueDeclaredTwiceWithTwoTypesIsReportedOnBothAndAnUntypedDeclarationClashesWithNeither() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue({|TG0204:"ledger"|}, Type = QueueType.Quorum)]
        [assembly: TaskQueue({|TG0204:"ledger"|}, Type = QueueType.Classic)]
        [assembly: TaskQueue("ledger")]
        [assembly: TaskQueue("calc", Type = QueueType.Quorum)]
        [assembly: TaskQueue("calc")]
        [assembly: TaskQueue("calc", Type = QueueType.Default)]
        namespace App;
        public static class Marker { }
        """);

    [Fact]
    public Task BroadcastQueueDeclaredAsQuorumIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue("fleet", Broadcast = true, Type = {|TG0210:QueueType.Quorum|})]
        namespace App;
        public static class Marker { }
        """);

    [Fact]
    public Task BroadcastQueueOfDefaultOrClassicTypeAndQuorumDirectQueueAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue("fleet", Broadcast = true, Type = QueueType.Classic)]
        [assembly: TaskQueue("crowd", Broadcast = true, Type = QueueType.Default)]
        [assembly: TaskQueue("calc", Type = QueueType.Quorum)]
        namespace App;
        public static class Marker { }
        """);

    [Fact]
    public Task InvalidQueueNamesAreReported() => Verify.VerifyAsync($$"""
        using TaskGen;
        [assembly: TaskQueue({|TG0205:""|})]
        [assembly: TaskQueue({|TG0205:"amq.work"|})]
        [assembly: TaskQueue({|TG0205:"{{new string('q', 256)}}"|})]
        [assembly: TaskQueue("{{new string('q', 255)}}")]
        [assembly: TaskQueue("amq_work")]
        namespace App;
        public static class Jobs
        {
            [Task(Queue = {|TG0205:" "|})] public static int A(int x) => x;
            public static TaskOptions B() => new TaskOptions { Queue = {|TG0205:"amq.direct"|} };
        }
        """);

    [Fact]
    public Task SingleResultAwaitedFromABroadcastQueueIsReported() => new Verify(Declarations, Stub + """
        namespace App
        {
            using System.Threading.Tasks;
            using TaskGen;
            public static class Caller
            {
                public static async Task<int> A(TaskApp app) => await (await app.SendAsync(Remote.Calc.Signature(1, new TaskOptions { Queue = {|TG0206:"fleet"|} })));
                public static async Task<int> B(TaskApp app)
                {
                    AsyncResult<int> result = app.Send(Remote.Calc.Signature(1, new TaskOptions { Queue = {|TG0206:"fleet"|} }));
                    return await result.GetAsync(System.TimeSpan.FromSeconds(5));
                }

                public static async Task C(TaskApp app) => await app.SendAsync(Remote.Calc.Signature(1, new TaskOptions { Queue = "fleet" }));
                public static async Task<int> D(TaskApp app) => await (await app.SendAsync(Remote.Calc.Signature(1, new TaskOptions { Queue = "calc" })));
                public static async Task<int> E(TaskApp app) => (await app.Broadcast(Remote.Calc.Signature(1, new TaskOptions { Queue = "fleet" })).GetAsync(System.TimeSpan.FromSeconds(1))).Count;
            }
        }
        """).RunAsync();

    [Fact]
    public Task BroadcastToADirectQueueIsReported() => new Verify(Declarations, Stub + """
        namespace App
        {
            using TaskGen;
            public static class Caller
            {
                public static BroadcastResult<int> A(TaskApp app) => app.Broadcast(Remote.Calc.Signature(1, new TaskOptions { Queue = {|TG0207:"calc"|} }));
                public static BroadcastResult<int> B(TaskApp app) => app.Broadcast(Remote.Calc.Signature(1, new TaskOptions { Queue = "fleet" }));
            }
        }
        """).RunAsync();

    [Fact]
    public Task GeneratedConstantInATaskAttributeIsReported() => new Verify("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Names { public const string Calc = "calc"; }
        public static class Jobs
        {
            [Task(Queue = {|TG0208:TestProject.Queues.Calc|})] public static int A(int x) => x;
            [Task(Queue = Names.Calc)] public static int B(int x) => x;
        }
        """, GeneratedQueues).RunAsync();

    [Fact]
    public Task QueueLiteralWithAGeneratedConstantSuggestsTheConstant() => new Verify("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Caller
        {
            public static TaskOptions A() => new TaskOptions { Queue = {|TG0209:"calc"|} };
            public static TaskOptions B() => new TaskOptions { Queue = TestProject.Queues.Calc };
        }
        """, GeneratedQueues).RunAsync();

    [Fact]
    public Task QueueLiteralWithoutAGeneratedConstantSuggestsNothing() => Verify.VerifyAsync("""
        using TaskGen;
        [assembly: TaskQueue("calc")]
        namespace App;
        public static class Caller
        {
            public static TaskOptions A() => new TaskOptions { Queue = "calc" };
        }
        """);
}
