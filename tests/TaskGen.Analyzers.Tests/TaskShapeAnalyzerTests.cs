using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.TaskShapeAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Task shape rules (TG0001–TG0011): each fires on the exact syntax and stays quiet on the nearest valid shape.</summary>
public sealed class TaskShapeAnalyzerTests
{
    [Fact]
    public Task InstanceMethodIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public class Jobs
        {
            [Task] public int {|TG0001:Run|}(int x) => x;
        }
        """);

    [Fact]
    public Task StaticMethodIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public class Jobs
        {
            [Task] public static int Run(int x) => x;
            public int NotATask(int x) => x;
        }
        """);

    [Fact]
    public Task GenericMethodAndGenericTypeAreReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static int {|TG0002:Run|}<T>(int x) => x;
        }
        public static class Box<T>
        {
            [Task] public static int {|TG0002:Run|}(int x) => x;
        }
        """);

    [Fact]
    public Task MethodInNonGenericNestedTypeIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Outer
        {
            public static class Inner
            {
                [Task] public static int Run(int x) => x;
            }
        }
        """);

    [Fact]
    public Task RefOutInParametersAreReportedOnTheModifier() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void Run({|TG0003:ref|} int a, {|TG0003:out|} int b, {|TG0003:in|} int c, {|TG0003:ref readonly|} int d) => b = a + c + d;
        }
        """);

    [Fact]
    public Task ParamsAndThisParametersAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static int Sum(this int first, params int[] rest) => first + rest.Length;
        }
        """);

    [Fact]
    public Task RefReturnIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            private static int s_value;
            [Task] public static {|TG0004:ref int|} Run() => ref s_value;
            [Task] public static int Value() => s_value;
        }
        """);

    [Fact]
    public Task PrivateMethodOrContainerIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public class Jobs
        {
            [Task] private static int {|TG0005:Hidden|}(int x) => x;
            [Task] protected static int {|TG0005:Guarded|}(int x) => x;
            private static class Secret
            {
                [Task] public static int {|TG0005:Run|}(int x) => x;
            }
        }
        """);

    [Fact]
    public Task FileLocalContainerIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        file static class Jobs
        {
            [Task] public static int {|TG0005:Local|}(int x) => x;
            public static class Nested
            {
                [Task] public static int {|TG0005:Inner|}(int x) => x;
            }
        }
        """);

    [Fact]
    public Task InternalAndProtectedInternalAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        internal class Jobs
        {
            [Task] internal static int A(int x) => x;
            [Task] protected internal static int B(int x) => x;
            internal static class Nested
            {
                [Task] public static int C(int x) => x;
            }
        }
        """);

    [Fact]
    public Task MethodInInterfaceIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public interface IJobs
        {
            [Task] public static int {|TG0006:Run|}(int x) => x;
        }
        public struct Jobs
        {
            [Task] public static int Run(int x) => x;
        }
        """);

    [Fact]
    public Task AsyncStreamReturnIsReported() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static {|TG0007:IAsyncEnumerable<int>|} Stream() => throw null!;
            [Task] public static {|TG0007:System.Runtime.CompilerServices.YieldAwaitable|} Yield() => Task.Yield();
        }
        """);

    [Fact]
    public Task TaskTypesAreNotReported() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A() { }
            [Task] public static Task B() => Task.CompletedTask;
            [Task] public static Task<int> C() => Task.FromResult(1);
            [Task] public static ValueTask D() => default;
            [Task] public static ValueTask<int> E() => default;
        }
        """);

    [Fact]
    public Task DuplicateNamesAreReportedOnEachTask() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class A
        {
            [Task(Name = {|TG0008:"tasks.add"|})] public static int Add(int x) => x;
        }
        public static class B
        {
            [Task(Name = {|TG0008:"tasks.add"|})] public static int Plus(int x) => x;
        }
        """);

    [Fact]
    public Task DistinctNamesAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class A
        {
            [Task(Name = "tasks.add")] public static int Add(int x) => x;
            [Task] public static int Sub(int x) => x;
        }
        public static class B
        {
            [Task] public static int Add(int x) => x;
        }
        """);

    [Fact]
    public async Task NameOfATaskInAReferencedAssemblyIsReported()
    {
        Microsoft.CodeAnalysis.MetadataReference library = await TestReferences.CompileLibraryAsync("Lib", """
            using TaskGen;
            namespace Lib;
            public static class Tasks
            {
                [Task(Name = "tasks.add")] public static int Add(int x) => x;
            }
            """);
        var test = new Verify("""
            using TaskGen;
            namespace App;
            public static class Mine
            {
                [Task(Name = {|#0:"tasks.add"|})] public static int Add(int x) => x;
                [Task(Name = "tasks.sub")] public static int Sub(int x) => x;
            }
            """).WithLibrary(library);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DuplicateTaskName).WithLocation(0).WithArguments("tasks.add", "task 'Lib.Tasks.Add' in assembly 'Lib'"));
        await test.RunAsync();
    }

    [Fact]
    public Task EmptyNameIsReportedOnTheLiteral() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(Name = {|TG0009:" "|})] public static int A(int x) => x;
            [Task(Name = "tasks.b")] public static int B(int x) => x;
        }
        """);

    [Fact]
    public Task SecondTokenOrContextIsReportedOnItsType() => Verify.VerifyAsync("""
        using System.Threading;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A(CancellationToken one, {|TG0010:CancellationToken|} two) { }
            [Task] public static void B(TaskContext one, {|TG0010:TaskContext|} two) { }
            [Task] public static void C(int x, TaskContext context, CancellationToken token) { }
        }
        """);

    [Fact]
    public Task UnresolvableServiceParametersAreReportedOnTheParameter() => Verify.VerifyAsync("""
        using System.Threading;
        using TaskGen;
        namespace App;
        public interface IMailer { }
        public static class Jobs
        {
            [Task] public static void A(int x, {|TG0012:[FromServices] int retries|}) { }
            [Task] public static void B({|TG0012:[FromServices] CancellationToken token|}) { }
            [Task] public static void C({|TG0012:[FromServices] IMailer? mailer = null|}) { }
            [Task] public static void D({|TG0012:[FromServices] object anything|}) { }
        }
        """);

    [Fact]
    public Task ServiceParametersAreNeitherReportedNorCheckedAsData() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using TaskGen;
        namespace App;
        public interface IMailer { }
        public abstract class Repository { }
        public static class Jobs
        {
            [Task] public static void A(string to, [FromServices] IMailer mailer, [FromServices] Repository repository, [FromServices] IServiceProvider services, CancellationToken token) { }
        }
        """);

    [Fact]
    public Task OverloadedTasksAreReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(Name = "one")] public static int {|TG0011:Run|}(int x) => x;
            [Task(Name = "two")] public static int {|TG0011:Run|}(string x) => 0;
        }
        """);

    [Fact]
    public Task SameMethodNameInTwoClassesOrOverloadThatIsNoTaskIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class A
        {
            [Task] public static int Run(int x) => x;
            public static int Run(string x) => 0;
        }
        public static class B
        {
            [Task] public static int Run(int x) => x;
        }
        """);
}
