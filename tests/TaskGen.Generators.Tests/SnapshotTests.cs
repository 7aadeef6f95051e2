using Microsoft.CodeAnalysis;

namespace TaskGen.Generators.Tests;

/// <summary>Approved output of the generator for each shape of task, each also compiled without errors.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void SimpleTask()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            [assembly: TaskQueue("calc")]
            namespace CeleryApp.Tasks;
            public static class Geometry
            {
                [Task(Queue = "calc")]
                public static double RectArea(double h, double w) => h * w;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void AsyncTaskWithCancellationToken()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using TaskGen;
            namespace Shop;
            public static class Mail
            {
                [Task(Name = "mail.send")]
                public static async Task<bool> SendAsync(string to, string subject, CancellationToken cancellationToken, TaskContext context)
                {
                    await Task.Delay(1, cancellationToken);
                    return to.Length > 0 && context.Id.Length > 0;
                }

                [Task]
                public static ValueTask<int> CountAsync(CancellationToken token) => new(0);

                [Task]
                public static Task FlushAsync() => Task.CompletedTask;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void ServicesFromTheHost()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using TaskGen;
            namespace Shop;
            public interface IMailer { Task<string> SendAsync(string to, CancellationToken cancellationToken); }
            public sealed class Clock { }
            public static class Mail
            {
                [Task]
                public static Task<string> Send(string to, [FromServices] IMailer mailer, CancellationToken cancellationToken, [FromServices] Clock? clock) =>
                    mailer.SendAsync(to, cancellationToken);
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void FailurePolicy()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System;
            using System.Net.Http;
            using TaskGen;
            namespace Billing;
            public static class Payments
            {
                [Task(MaxRetries = 5, RetryFor = new[] { typeof(HttpRequestException), typeof(TimeoutException) }, RetryBackoff = 0.5, RetryBackoffMax = 60, RetryJitter = false, RateLimit = "10/s")]
                public static int Charge(int cents) => cents;

                [Task(DefaultRetryDelay = 30)]
                public static void Refund(int cents, TaskContext context) => throw context.Retry();

                [Task]
                public static int Plain(int cents) => cents;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void ARetryForTypeThatIsNotAnExceptionEmitsOnlyAThrowingStub()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Billing;
            public static class Payments
            {
                [Task(RetryFor = new[] { typeof(string) })]
                public static int Charge(int cents) => cents;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        string stub = Assert.Single(result.GeneratedTrees, tree => tree.FilePath.EndsWith("Billing.Payments.Charge.g.cs", System.StringComparison.Ordinal)).ToString();
        Assert.Contains("has build error TG0305", stub, System.StringComparison.Ordinal);
        Assert.DoesNotContain(result.GeneratedTrees, tree => tree.ToString().Contains("Invoke_Billing_Payments_Charge", System.StringComparison.Ordinal));
    }

    [Fact]
    public void StubAliasesForAFileThatImportsBoth()
    {
        // Geometry gets an alias; Shapes is also a task class of another namespace imported with its Remote, and
        // Text is a name the user aliases already, so neither gets one.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(
            """
            using TaskGen;
            namespace CeleryApp.Tasks
            {
                public static class Geometry
                {
                    [Task]
                    public static double RectArea(double h, double w) => h * w;
                }

                public static class Shapes
                {
                    [Task]
                    public static int Corners(int sides) => sides;
                }

                public static class Text
                {
                    [Task]
                    public static string Upper(string s) => s.ToUpperInvariant();
                }
            }

            namespace Other.Tasks
            {
                public static class Shapes
                {
                    [Task(Name = "other.corners")]
                    public static int Corners(int sides) => sides;
                }
            }
            """,
            """
            using CeleryApp.Tasks;
            using CeleryApp.Tasks.Remote;
            using Other.Tasks;
            using Other.Tasks.Remote;
            using Text = CeleryApp.Tasks.Remote.Text;
            public static class Caller
            {
                public static object Area() => Geometry.RectArea.Delay(2, 2);
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void BlockedTasks()
    {
        // Tasks the analyzers report errors for: each gets a stub of its shape whose members throw, and no dispatch case.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using TaskGen;
            namespace Shop;
            public sealed record Letter(string To);
            public class Mail
            {
                [Task]
                public async Task<int> Upload(string path, System.IO.Stream body, int retries = 3) { await Task.Yield(); return 1; }

                [Task]
                public static T Echo<T>(T value, int times) => value;

                [Task]
                public static void Send(Letter letter) { }

                [Task]
                public static int Send(string to, string body) => 0;

                [Task]
                public static int Fine(int x) => x;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void OptionalParameters()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Reports;
            public enum Format { Text, Html = 5 }
            public static class Builder
            {
                [Task]
                public static string Render(string title, int copies = 1, double scale = 1.5, string? footer = null, Format format = Format.Html, bool draft = false, decimal price = 9.99m, long big = 10000000000, char mark = '\'')
                    => title;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void RecordThroughJsonContext()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System;
            using System.Collections.Generic;
            using System.Text.Json;
            using System.Text.Json.Serialization;
            using System.Text.Json.Serialization.Metadata;
            using TaskGen;
            [assembly: TaskJsonContext(typeof(Orders.AppJson))]
            namespace Orders;
            public sealed record Order(string Id, decimal Total);
            public sealed record Receipt(string OrderId, bool Paid);
            public static class Billing
            {
                [Task]
                public static Receipt Charge(Order order, List<Order>? history) => new(order.Id, true);
            }

            // Stands in for System.Text.Json's source-generated half, which this test does not run.
            public partial class AppJson : JsonSerializerContext
            {
                public AppJson() : base(null) { }
                public static AppJson Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void VoidTask()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Audit;
            public static class Log
            {
                [Task]
                public static void Write(string message) { }
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void SameClassNameInTwoNamespaces()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(
            """
            using TaskGen;
            namespace Alpha;
            public static class Jobs
            {
                [Task]
                public static int Run(int x) => x;
            }
            """,
            """
            using TaskGen;
            namespace Beta;
            public static class Jobs
            {
                [Task]
                public static int Run(int x) => -x;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void GlobalNamespace()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            public static class Globals
            {
                [Task]
                public static int Twice(int x) => 2 * x;
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void NestedNamespacesAndTypes()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            namespace Company.Product.Module
            {
                namespace Inner
                {
                    public static class Outer
                    {
                        internal static class Nested
                        {
                            [Task(Name = "company.nested")]
                            internal static int Work(int @class) => @class;
                        }
                    }
                }
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void BroadcastQueueTask()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            [assembly: TaskQueue("broadcast_calc", Broadcast = true)]
            namespace Fleet;
            public static class Nodes
            {
                [Task(Queue = "broadcast_calc")]
                public static string Hello(string greeting) => greeting;

                [Task(Queue = "broadcast_calc")]
                public static void Reload() { }
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void QuorumQueueDeclarations()
    {
        // The type is written only where the attribute sets it; a quorum broadcast queue (TG0210) is left out.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using TaskGen;
            [assembly: TaskQueue("ledger", Type = QueueType.Quorum)]
            [assembly: TaskQueue("audit", Type = QueueType.Classic)]
            [assembly: TaskQueue("calc")]
            [assembly: TaskQueue("fleet", Broadcast = true, Type = QueueType.Quorum)]
            namespace Books;
            public static class Ledger
            {
                [Task(Queue = "ledger")]
                public static decimal Post(decimal amount) => amount;

                [Task(Queue = "audit")]
                public static void Check() { }
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void EveryWireType()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System;
            using System.Collections.Generic;
            using TaskGen;
            [assembly: TaskQueue("bulk")]
            [assembly: TaskQueue("broadcast_calc", Broadcast = true)]
            namespace Wire;
            public enum Color : byte { Red, Green }
            public static class Types
            {
                [Task(Queue = "bulk")]
                public static Dictionary<string, List<int?>> Everything(
                    bool a, byte b, sbyte c, short d, ushort e, int f, uint g, long h, ulong i, float j, double k, decimal l,
                    string m, char n, Guid o, DateTime p, DateTimeOffset q, DateOnly r, TimeOnly s, TimeSpan t, byte[] u,
                    Color v, int? w, int[] x, List<string> y, IReadOnlyList<Guid> z, IEnumerable<double> aa,
                    Dictionary<string, int> bb, IReadOnlyDictionary<string, List<Color>> cc, string options, int cancellationToken)
                    => new();
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

    [Fact]
    public void PeriodicTasks()
    {
        // The broken attributes (no schedule, an interval under a second, a task that needs an argument) register nothing;
        // the analyzers report each of them.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using TaskGen;
            using TaskGen.Scheduling;
            namespace Ops;
            public static class Maintenance
            {
                [Task]
                [Periodic(Every = "30 s")]
                [Periodic(Cron = "0 6 * * *", TimeZone = "Europe/Berlin", Name = "maintenance.morning", Misfire = MisfirePolicy.Skip)]
                public static Task SweepAsync(TaskContext context, CancellationToken cancellationToken, int batch = 100) => Task.CompletedTask;

                [Task(Name = "reports.hourly")]
                [Periodic(Cron = "0 0 * * * *", Misfire = MisfirePolicy.RunAll)]
                [Periodic(Every = "every 1.5 h", Name = "reports.slow")]
                public static int Hourly() => 0;

                [Task]
                [Periodic(TimeZone = "UTC")]
                [Periodic(Every = "500 ms")]
                public static void Broken() { }

                [Task]
                [Periodic(Every = "1 m")]
                public static void Resize(int width) { }

                [Task]
                public static void Plain() { }
            }
            """);
        GeneratorHarness.AssertCompiles(output);
        SnapshotAssert.Matches(result);
    }

}
