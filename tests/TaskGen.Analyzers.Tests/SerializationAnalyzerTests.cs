using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.SerializationAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Serialization rules (TG0101–TG0111), for parameters, results and the elements inside their collections.</summary>
public sealed class SerializationAnalyzerTests
{
    private const string Context = """
        using System.Text.Json.Serialization;
        using TaskGen;
        [assembly: TaskJsonContext(typeof(App.AppJson))]
        namespace App;
        public sealed record Order(int Id, Customer Buyer);
        public sealed record Customer(string Name);
        public sealed record Invoice(int Id);
        public interface IShape { }
        public abstract class Shape { }
        [JsonSerializable(typeof(Order))]
        internal sealed class AppJson { }
        """;

    [Fact]
    public Task DelegatesAreReportedAlsoInsideCollections() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Linq.Expressions;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A({|TG0101:Func<int>|} f) { }
            [Task] public static void B(List<{|TG0101:Action|}> actions) { }
            [Task] public static void C({|TG0101:Expression<Func<int, bool>>|} filter) { }
            [Task] public static System.Threading.Tasks.Task<{|TG0101:Func<int>|}> D() => null!;
        }
        """);

    [Fact]
    public Task PrimitivesAreNotReported() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public enum Color { Red }
        public static class Jobs
        {
            [Task] public static Task<Dictionary<string, List<int>>> A(int a, string? b, decimal c, Guid d, DateTime e, DateTimeOffset f, DateOnly g, TimeOnly h,
                TimeSpan i, byte[] j, Color k, Color? l, int[][] m, IReadOnlyList<double> n, IDictionary<string, long?> o, char p, bool q) => null!;
        }
        """);

    [Fact]
    public Task PointersRefStructsAndHandlesAreReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static unsafe class Jobs
        {
            [Task] public static void A({|TG0102:int*|} p) { }
            [Task] public static void B({|TG0102:Span<int>|} s) { }
            [Task] public static void C({|TG0102:IntPtr|} handle, {|TG0102:nuint|} size) { }
            [Task] public static void D(int[] values) { }
        }
        """);

    [Fact]
    public Task DisposableHandlesAreReported() => Verify.VerifyAsync("""
        using System.IO;
        using System.Net.Http;
        using TaskGen;
        namespace App;
        public sealed class Session : System.IDisposable { public void Dispose() { } }
        public static class Jobs
        {
            [Task] public static void A({|TG0103:Stream|} input) { }
            [Task] public static void B({|TG0103:HttpClient|} client) { }
            [Task] public static void C({|TG0103:Session|} session) { }
            [Task] public static void D(string path) { }
        }
        """);

    [Fact]
    public Task TasksTokensAndContextsAsDataAreReported() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A({|TG0104:Task<int>|} pending) { }
            [Task] public static void B(List<{|TG0104:CancellationToken|}> tokens) { }
            [Task] public static void C({|TG0104:TaskContext?|} context) { }
            [Task] public static Task<{|TG0104:Task|}> D() => null!;
            [Task] public static Task E(TaskContext context, CancellationToken token) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ObjectAndDynamicAreReported() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A({|TG0105:object|} value) { }
            [Task] public static void B({|TG0105:dynamic|} value) { }
            [Task] public static void C(Dictionary<string, {|TG0105:object|}> values) { }
            [Task] public static void D(Dictionary<string, string> values) { }
        }
        """);

    [Fact]
    public Task InterfacesAndAbstractClassesAreReported() => Verify.VerifyAsync(Context + """

        public static class Jobs
        {
            [Task] public static void A({|TG0106:IShape|} shape) { }
            [Task] public static void B(System.Collections.Generic.List<{|TG0106:Shape|}> shapes) { }
            [Task] public static void C(System.Collections.Generic.IEnumerable<Order> orders) { }
        }
        """);

    [Fact]
    public Task TypeParametersAreReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static {|TG0107:T|} Echo<T>({|TG0107:T|} value) => value;
            [Task] public static int Id(int value) => value;
        }
        """);

    [Fact]
    public async Task RecordMissingFromTheContextIsReportedWithTheContextToAddItTo()
    {
        var test = new Verify(Context + """

            public static class Jobs
            {
                [Task] public static void Bill({|#0:Invoice|} invoice) { }
                [Task] public static Order Place(Order order, Customer buyer) => order;
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.TypeNotInJsonContext).WithLocation(0)
            .WithArguments("Parameter 'invoice' of task 'App.Jobs.Bill' sends", "Invoice", "AppJson"));
        await test.RunAsync();
    }

    [Fact]
    public Task RecordWithoutAnyContextIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public sealed record Invoice(int Id);
        public enum Color { Red }
        public static class Jobs
        {
            [Task] public static void Bill({|TG0109:Invoice|} invoice) { }
            [Task] public static Color Paint(Color color) => color;
        }
        """);

    [Fact]
    public Task NonStringDictionaryKeysAreReported() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A({|TG0110:Dictionary<int, string>|} byId) { }
            [Task] public static void B(List<{|TG0110:IReadOnlyDictionary<System.Guid, int>|}> maps) { }
            [Task] public static void C(Dictionary<string, int> byName) { }
        }
        """);

    [Fact]
    public Task FrameworkTypesWithoutAWireFormatAreReported() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task] public static void A({|TG0111:Uri|} address) { }
            [Task] public static void B({|TG0111:(int, int)|} pair) { }
            [Task] public static void C({|TG0111:int[,]|} grid) { }
            [Task] public static void D({|TG0111:HashSet<int>|} set) { }
            [Task] public static void E(string address, int[] pair, List<int> set) { }
        }
        """);
}
