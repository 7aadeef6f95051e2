using System;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.RetryPolicyAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Failure-policy rules on <c>[Task]</c> (TG0305–TG0308): only settings written in the attribute are judged.</summary>
public sealed class RetryPolicyAnalyzerTests
{
    private const string Declarations = """
        [assembly: TaskGen.TaskQueue("calc")]
        [assembly: TaskGen.TaskQueue("fleet", Broadcast = true)]
        """;

    [Fact]
    public Task RetryForANonExceptionTypeIsReportedOnItsTypeof() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(RetryFor = new[] { typeof(TimeoutException), {|TG0305:typeof(string)|} })] public static int A(int x) => x;
            [Task(RetryFor = new Type[] { {|TG0305:typeof(IDisposable)|}, {|TG0305:typeof(int)|} })] public static int B(int x) => x;
            [Task(RetryFor = [{|TG0305:typeof(Jobs)|}, typeof(Exception)])] public static int C(int x) => x;
        }
        """);

    [Fact]
    public Task RetryForExceptionTypesIsNotReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public sealed class FlakyException : InvalidOperationException { }
        public static class Jobs
        {
            [Task(RetryFor = new[] { typeof(System.Net.Http.HttpRequestException), typeof(System.TimeoutException) })] public static int A(int x) => x;
            [Task(RetryFor = new Type[] { typeof(FlakyException), typeof(Exception) })] public static int B(int x) => x;
            [Task(RetryFor = null)] public static int C(int x) => x;
            [Task] public static int D(int x) => x;
        }
        """);

    [Fact]
    public Task RetrySettingsOutOfRangeAreReportedOnTheirValues() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            private const double Never = 0;
            [Task(MaxRetries = {|TG0306:-1|})] public static int A(int x) => x;
            [Task(RetryBackoff = {|TG0306:0|})] public static int B(int x) => x;
            [Task(RetryBackoff = {|TG0306:-2.5|}, RetryBackoffMax = {|TG0306:double.NaN|})] public static int C(int x) => x;
            [Task(RetryBackoffMax = {|TG0306:0.0|})] public static int D(int x) => x;
            [Task(DefaultRetryDelay = {|TG0306:double.PositiveInfinity|})] public static int E(int x) => x;
            [Task(DefaultRetryDelay = {|TG0306:Never|})] public static int F(int x) => x;
            [Task(RetryBackoff = {|TG0306:-1.0 / 0|})] public static int G(int x) => x;
        }
        """);

    [Fact]
    public async Task RetrySettingOutOfRangeNamesTheSettingItsValueAndWhatIsValid()
    {
        var test = new Verify("""
            using TaskGen;
            namespace App;
            public static class Jobs
            {
                [Task(MaxRetries = {|#0:-3|}, RetryBackoff = {|#1:0|}, RetryBackoffMax = {|#2:-600|}, DefaultRetryDelay = {|#3:double.NaN|})] public static int A(int x) => x;
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.RetrySettingOutOfRange).WithLocation(0)
            .WithArguments("MaxRetries", "-3", "a task cannot be retried fewer than zero times, so give zero (never retry) or more, or leave MaxRetries unset for 3"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.RetrySettingOutOfRange).WithLocation(1)
            .WithArguments("RetryBackoff", "0", "a delay is a positive, finite number of seconds, so give one, or leave RetryBackoff unset for a fixed DefaultRetryDelay between retries"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.RetrySettingOutOfRange).WithLocation(2)
            .WithArguments("RetryBackoffMax", "-600", "a delay is a positive, finite number of seconds, so give one, or leave RetryBackoffMax unset for 600 seconds"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.RetrySettingOutOfRange).WithLocation(3)
            .WithArguments("DefaultRetryDelay", "NaN", "a delay is a positive, finite number of seconds, so give one, or leave DefaultRetryDelay unset for 180 seconds"));
        await test.RunAsync();
    }

    [Fact]
    public Task RetrySettingsInRangeOrLeftUnsetAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(MaxRetries = 0)] public static int A(int x) => x;
            [Task(MaxRetries = 10, RetryBackoff = 2, RetryBackoffMax = 0.5, RetryJitter = false, DefaultRetryDelay = 30)] public static int B(int x) => x;
            [Task(RetryBackoff = double.Epsilon, DefaultRetryDelay = double.MaxValue)] public static int C(int x) => x;
            [Task] public static int D(int x) => x;
        }
        """);

    [Fact]
    public Task RateLimitThatDoesNotParseIsReportedOnTheString() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            private const string Fast = "fast";
            [Task(RateLimit = {|TG0307:"10/x"|})] public static int A(int x) => x;
            [Task(RateLimit = {|TG0307:"0/s"|})] public static int B(int x) => x;
            [Task(RateLimit = {|TG0307:"-1/m"|})] public static int C(int x) => x;
            [Task(RateLimit = {|TG0307:""|})] public static int D(int x) => x;
            [Task(RateLimit = {|TG0307:"1e3/h"|})] public static int E(int x) => x;
            [Task(RateLimit = {|TG0307:"10 per second"|})] public static int F(int x) => x;
            [Task(RateLimit = {|TG0307:Fast|})] public static int G(int x) => x;
        }
        """);

    [Fact]
    public Task RateLimitThatParsesIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(RateLimit = "10/s")] public static int A(int x) => x;
            [Task(RateLimit = "0.5/m")] public static int B(int x) => x;
            [Task(RateLimit = "100")] public static int C(int x) => x;
            [Task(RateLimit = " 5 / h ")] public static int D(int x) => x;
            [Task(RateLimit = null)] public static int E(int x) => x;
        }
        """);

    [Theory]
    [InlineData("10/s")]
    [InlineData("0.5/m")]
    [InlineData("100")]
    [InlineData(".5")]
    [InlineData(" 5 / h ")]
    [InlineData("10/S")]
    [InlineData("10/min")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+1/s")]
    [InlineData("1,000/s")]
    [InlineData("1e3")]
    [InlineData("NaN")]
    [InlineData("Infinity/s")]
    [InlineData("/s")]
    [InlineData("10/")]
    [InlineData("")]
    public void RateRuleAgreesWithTheRuntime(string text)
    {
        bool runtime;
        try
        {
            TaskPolicy.ParseRate(text);
            runtime = true;
        }
        catch (FormatException)
        {
            runtime = false;
        }

        Assert.Equal(runtime, RetryPolicyAnalyzer.IsRate(text));
    }

    [Fact]
    public Task RetrySettingsOnABroadcastTaskAreReportedOnTheFirst() => new Verify(Declarations, """
        using System;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(Queue = "fleet", {|TG0308:MaxRetries = 5|}, RetryJitter = false)] public static int A(int x) => x;
            [Task({|TG0308:RetryFor = new[] { typeof(TimeoutException) }|}, Queue = "fleet")] public static int B(int x) => x;
            [Task(Name = "fleet.c", Queue = "fleet", {|TG0308:DefaultRetryDelay = 5|})] public static int C(int x) => x;
        }
        """).RunAsync();

    [Fact]
    public async Task RetrySettingsOnABroadcastTaskNameTheTaskTheQueueAndTheSettings()
    {
        var test = new Verify(Declarations, """
            using TaskGen;
            namespace App;
            public static class Jobs
            {
                [Task(Queue = "fleet", {|#0:RetryBackoff = 1|}, RetryBackoffMax = 60, RetryJitter = true)] public static int Refresh(int x) => x;
            }
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.RetryOnBroadcastTask).WithLocation(0)
            .WithArguments("App.Jobs.Refresh", "fleet", "RetryBackoff, RetryBackoffMax, RetryJitter"));
        await test.RunAsync();
    }

    [Fact]
    public async Task RetrySettingsOnATaskOfABroadcastQueueDeclaredInAReferencedAssemblyAreReported()
    {
        MetadataReference library = await TestReferences.CompileLibraryAsync("Lib", """
            using TaskGen;
            [assembly: TaskQueue("everyone", Broadcast = true)]
            namespace Lib;
            public static class Marker { }
            """);
        await new Verify("""
            using TaskGen;
            namespace App;
            public static class Jobs
            {
                [Task(Queue = "everyone", {|TG0308:MaxRetries = 2|})] public static int A(int x) => x;
            }
            """).WithLibrary(library).RunAsync();
    }

    [Fact]
    public Task RetrySettingsOnADirectTaskOrABroadcastTaskWithoutThemAreNotReported() => new Verify(Declarations, """
        using System;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [Task(Queue = "calc", MaxRetries = 5, RetryFor = new[] { typeof(TimeoutException) }, RetryBackoff = 1, RetryBackoffMax = 60, RetryJitter = false, DefaultRetryDelay = 10)]
            public static int A(int x) => x;

            [Task(MaxRetries = 5)] public static int B(int x) => x;
            [Task(Queue = "fleet")] public static int C(int x) => x;
            [Task(Queue = "fleet", RateLimit = "1/s", Name = "fleet.d")] public static int D(int x) => x;
        }
        """).RunAsync();
}
