using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskGen.Generators.Tests;

/// <summary>
/// Task contracts: the stubs and codecs a contracts assembly gets for the <c>[Task]</c> methods of its interfaces, and
/// the dispatch entries an assembly that implements them gets, compiled against the contracts as a referenced assembly.
/// </summary>
public sealed class ContractTests
{
    private const string Contracts = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskGen;
        [assembly: TaskQueue("mail")]
        [assembly: TaskJsonContext(typeof(Shop.Contracts.ContractsJson))]
        namespace Shop.Contracts;
        public sealed record Letter(string To, string Subject);

        public interface IMail
        {
            [Task(Queue = "mail", MaxRetries = 5, RetryFor = new[] { typeof(System.IO.IOException) })]
            Task<string> SendAsync(Letter letter, int copies, CancellationToken cancellationToken);

            [Task(Name = "mail.ping")]
            bool Ping();

            [Task(Queue = "mail")]
            void Forget(string address);

            /// <summary>Not a task: the interface may carry other members.</summary>
            string Describe();
        }

        public interface IReports
        {
            [Task]
            ValueTask<List<int>> TotalsAsync(string month, TaskContext context);
        }

        // Stands in for System.Text.Json's source-generated half, which this test does not run.
        public partial class ContractsJson : JsonSerializerContext
        {
            public ContractsJson() : base(null) { }
            public static ContractsJson Default { get; } = new();
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }
        """;

    private const string Worker = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Shop.Contracts;
        using TaskGen;
        namespace Shop.Worker;
        public sealed class Relay { }

        [TaskImplementation]
        public sealed class SmtpMail(Relay relay) : IMail
        {
            public Task<string> SendAsync(Letter letter, int copies, CancellationToken cancellationToken) => Task.FromResult(letter.To);
            public bool Ping() => relay is not null;
            public void Forget(string address) { }
            public string Describe() => "smtp";
        }

        public static class ReportCode
        {
            [TaskImplementation(typeof(IReports), nameof(IReports.TotalsAsync))]
            public static List<int> Totals(string month, [FromServices] Relay relay, CancellationToken cancellationToken) => new() { month.Length };
        }
        """;

    [Fact]
    public void ContractsAssembly()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("Shop.Contracts", [], Contracts);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void ImplementingAssembly()
    {
        MetadataReference contracts = GeneratorHarness.BuildReference("Shop.Contracts", Contracts);

        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("Shop.Worker", [contracts], Worker);

        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void AContractImplementedInItsOwnAssemblyCompiles()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("Shop.All", [], Contracts, Worker.Replace("namespace Shop.Worker;", "namespace Shop.Worker;\n", StringComparison.Ordinal));

        GeneratorHarness.AssertCompiles(output);
        string registry = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("TaskRegistry.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("case global::Shop.Contracts.Remote.Mail.SendAsync.Name: return Implement_Shop_Contracts_Mail_SendAsync(invocation);", registry, StringComparison.Ordinal);
        Assert.Contains("case global::Shop.Contracts.Remote.Reports.TotalsAsync.Name: return Implement_Shop_Contracts_Reports_TotalsAsync(invocation);", registry, StringComparison.Ordinal);
    }

    [Fact]
    public void AStaticImplementationWhoseTypesDifferFromTheContractEmitsNothing()
    {
        MetadataReference contracts = GeneratorHarness.BuildReference("Shop.Contracts", Contracts);

        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("Shop.Worker", [contracts], """
            using System.Collections.Generic;
            using Shop.Contracts;
            using TaskGen;
            namespace Shop.Worker;
            public static class ReportCode
            {
                [TaskImplementation(typeof(IReports), nameof(IReports.TotalsAsync))]
                public static List<long> Totals(string month) => new();
            }
            """);

        GeneratorHarness.AssertCompiles(output);
        Assert.DoesNotContain(result.GeneratedTrees, tree => tree.ToString().Contains("Totals", StringComparison.Ordinal));
    }

    [Fact]
    public void AProducerThatOnlyCallsAContractGetsNoDispatchEntry()
    {
        MetadataReference contracts = GeneratorHarness.BuildReference("Shop.Contracts", Contracts);

        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("Shop.Web", [contracts], """
            using Shop.Contracts;
            namespace Shop.Web;
            public static class Checkout
            {
                public static TaskGen.AsyncResult<string> Confirm(string to) => Shop.Contracts.Remote.Mail.SendAsync.Delay(new Letter(to, "Thanks"), 1);
            }
            """);

        GeneratorHarness.AssertCompiles(output);
        Assert.Empty(result.GeneratedTrees);
    }
}
