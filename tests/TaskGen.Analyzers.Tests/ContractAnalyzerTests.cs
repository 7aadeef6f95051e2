using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.ContractAnalyzer>;
using VerifyShape = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.TaskShapeAnalyzer>;
using VerifySerialization = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.SerializationAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Task contracts (TG0601–TG0607): each rule fires on the exact syntax and stays quiet on a valid contract and implementation.</summary>
public sealed class ContractAnalyzerTests
{
    private const string Contract = """
        using System.Threading;
        using System.Threading.Tasks;
        using TaskGen;
        namespace Shop.Contracts;
        public interface IMail
        {
            [Task(Queue = "celery")] Task<string> SendAsync(string to, int copies, CancellationToken cancellationToken);
            [Task] void Forget(string address);
        }
        """;

    [Fact]
    public async Task AValidContractAndItsImplementationsAreNotReported()
    {
        MetadataReference contracts = await TestReferences.CompileLibraryAsync("Shop.Contracts", Contract);
        await new Verify("""
            using System.Threading;
            using System.Threading.Tasks;
            using Shop.Contracts;
            using TaskGen;
            namespace Shop.Worker;
            public sealed class Relay { }
            public static class MailCode
            {
                [TaskImplementation(typeof(IMail), nameof(IMail.SendAsync))]
                public static ValueTask<string> Send(string to, [FromServices] Relay relay, TaskContext context, int copies) => new(to);

                [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
                public static void Forget(string address, CancellationToken cancellationToken) { }
            }
            """).WithLibrary(contracts).RunAsync();
    }

    [Fact]
    public async Task AClassImplementationBindsTheWholeContract()
    {
        MetadataReference contracts = await TestReferences.CompileLibraryAsync("Shop.Contracts", Contract);
        await new Verify("""
            using System.Threading;
            using System.Threading.Tasks;
            using Shop.Contracts;
            using TaskGen;
            namespace Shop.Worker;
            [TaskImplementation]
            public sealed class SmtpMail : IMail
            {
                public Task<string> SendAsync(string to, int copies, CancellationToken cancellationToken) => Task.FromResult(to);
                public void Forget(string address) { }
            }
            """).WithLibrary(contracts).RunAsync();
    }

    [Fact]
    public async Task AContractTaskLeftUnimplementedIsReportedAtTheBinding()
    {
        MetadataReference contracts = await TestReferences.CompileLibraryAsync("Shop.Contracts", Contract);
        await new Verify("""
            using Shop.Contracts;
            using TaskGen;
            namespace Shop.Worker;
            public static class MailCode
            {
                [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
                public static void {|TG0601:Forget|}(string address) { }
            }
            """).WithLibrary(contracts).RunAsync();
    }

    [Fact]
    public Task ParameterTypesThatDifferAreReportedAtTheParameterList() => Verify.VerifyAsync(Contract + """

        public static class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.SendAsync))]
            public static Task<string> Send{|TG0602:(string to, long copies)|} => Task.FromResult(to);

            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public static void Forget{|TG0602:(string? address)|} { }
        }
        """);

    [Fact]
    public Task AResultTypeThatDiffersIsReportedAtTheReturnType() => Verify.VerifyAsync(Contract + """

        public static class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.SendAsync))]
            public static {|TG0603:int|} Send(string to, int copies) => copies;

            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public static {|TG0603:Task<bool>|} Forget(string address) => Task.FromResult(true);
        }
        """);

    [Fact]
    public Task ATaskThatIsNotInTheContractIsReportedAtItsArgument() => Verify.VerifyAsync(Contract + """

        public interface INotAContract { void Run(); }
        public static class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.SendAsync))]
            public static Task<string> Send(string to, int copies) => Task.FromResult(to);

            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public static void Forget(string address) { }

            [TaskImplementation(typeof(IMail), {|TG0604:"Drop"|})]
            public static void Drop(string address) { }

            [TaskImplementation({|TG0604:typeof(INotAContract)|}, "Run")]
            public static void Run() { }
        }

        [{|TG0604:TaskImplementation|}]
        public sealed class Plain { }
        """);

    [Fact]
    public Task ASecondImplementationOfATaskIsReported() => Verify.VerifyAsync(Contract + """

        [TaskImplementation]
        public sealed class SmtpMail : IMail
        {
            public Task<string> SendAsync(string to, int copies, CancellationToken cancellationToken) => Task.FromResult(to);
            public void Forget(string address) { }
        }

        public static class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public static void {|TG0605:Forget|}(string address) { }
        }
        """);

    [Fact]
    public Task AServiceParameterOnAContractIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace Shop.Contracts;
        public sealed class Relay { }
        public interface IMail
        {
            [Task] void Send(string to, {|TG0606:[FromServices] Relay relay|});
        }
        public interface IOther
        {
            [Task] void Send(string to);
        }
        """);

    [Fact]
    public Task AnImplementationGeneratedCodeCannotCallIsReported() => Verify.VerifyAsync(Contract + """

        public class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public void {|TG0607:Forget|}(string address) { }
        }

        [TaskImplementation]
        public abstract class {|TG0607:BaseMail|} : IMail
        {
            public abstract Task<string> SendAsync(string to, int copies, CancellationToken cancellationToken);
            public void Forget(string address) { }
        }
        """);

    [Fact]
    public Task AStaticImplementationWithAServiceOrAnInjectedValueTheWorkerCannotSupplyIsReported() => Verify.VerifyAsync(Contract + """

        public static class MailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.Forget))]
            public static void {|TG0607:Forget|}(string address, [FromServices] int retries) { }
        }

        public static class OtherMailCode
        {
            [TaskImplementation(typeof(IMail), nameof(IMail.SendAsync))]
            public static Task<string> {|TG0607:SendAsync|}(string to, int copies, CancellationToken first, CancellationToken second) => Task.FromResult(to);
        }
        """);

    [Fact]
    public Task AContractMethodIsNotReportedAsAnInstanceTask() => VerifyShape.VerifyAsync("""
        using System.Threading.Tasks;
        using TaskGen;
        namespace Shop.Contracts;
        public sealed class Relay { }
        public interface IMail
        {
            [Task] Task<string> SendAsync(string to);
            [Task] void Send(string to, [FromServices] Relay relay);
        }
        public interface IJobs
        {
            [Task] public static int {|TG0006:Run|}(int x) => x;
        }
        """);

    [Fact]
    public Task AContractsDataGetsTheSerializationRules() => VerifySerialization.VerifyAsync("""
        using System;
        using TaskGen;
        namespace Shop.Contracts;
        public interface IMail
        {
            [Task] void Send(string to, {|TG0101:Action|} callback);
            [Task] int Count(string to);
        }
        """);
}
