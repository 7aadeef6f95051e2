using System.Threading.Tasks;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.OptionsAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Option rules (TG0301–TG0304): only values known at compile time are judged.</summary>
public sealed class OptionsAnalyzerTests
{
    [Fact]
    public Task NegativeCountdownIsReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static class Caller
        {
            public static TaskOptions A() => new TaskOptions { Countdown = {|TG0301:TimeSpan.FromSeconds(-5)|} };
            public static TaskOptions B() => new TaskOptions { Countdown = {|TG0301:-TimeSpan.FromMinutes(1)|} };
            public static void C(TaskOptions options) => options.Countdown = {|TG0301:new TimeSpan(0, 0, -30)|};
            public static TaskOptions D() => new TaskOptions { Countdown = TimeSpan.FromSeconds(5) };
            public static TaskOptions E(TimeSpan delay) => new TaskOptions { Countdown = delay };
            public static TaskOptions F() => new TaskOptions { Countdown = TimeSpan.Zero };
        }
        """);

    [Fact]
    public Task ExpiryBeforeTheRunTimeIsReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static class Caller
        {
            public static TaskOptions A()
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                return new TaskOptions { Eta = now.AddMinutes(10), Expires = {|TG0302:now.AddMinutes(5)|} };
            }

            public static TaskOptions B() => new TaskOptions { Countdown = TimeSpan.FromMinutes(10), ExpiresIn = {|TG0302:TimeSpan.FromMinutes(5)|} };
            public static TaskOptions C() => new TaskOptions { Countdown = TimeSpan.FromHours(1), Expires = {|TG0302:DateTimeOffset.UtcNow + TimeSpan.FromMinutes(30)|} };
            public static TaskOptions D() => new TaskOptions
            {
                Eta = new DateTimeOffset(2030, 1, 2, 0, 0, 0, TimeSpan.Zero),
                Expires = {|TG0302:new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)|},
            };
        }
        """);

    [Fact]
    public Task ExpiryAfterTheRunTimeOrNotComparableIsNotReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static class Caller
        {
            public static TaskOptions A()
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                return new TaskOptions { Eta = now.AddMinutes(5), Expires = now.AddMinutes(10) };
            }

            public static TaskOptions B() => new TaskOptions { Countdown = TimeSpan.FromMinutes(1), ExpiresIn = TimeSpan.FromMinutes(5) };
            public static TaskOptions C(DateTimeOffset at) => new TaskOptions { Eta = at, Expires = DateTimeOffset.UtcNow.AddMinutes(1) };
            public static TaskOptions D() => new TaskOptions { Expires = DateTimeOffset.UtcNow.AddDays(-1) };
        }
        """);

    [Fact]
    public Task NonPositiveExpiresInIsReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        namespace App;
        public static class Caller
        {
            public static TaskOptions A() => new TaskOptions { ExpiresIn = {|TG0303:TimeSpan.Zero|} };
            public static TaskOptions B() => new TaskOptions { ExpiresIn = {|TG0303:TimeSpan.FromMilliseconds(-1)|}, Countdown = TimeSpan.FromSeconds(1) };
            public static TaskOptions C() => new TaskOptions { ExpiresIn = TimeSpan.FromMinutes(1) };
        }
        """);

    [Fact]
    public Task NonPositiveResultTimeoutIsReported() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public static class Caller
        {
            public static Task A(AsyncResult<int> result) => result.GetAsync({|TG0304:TimeSpan.Zero|});
            public static Task B(AsyncResult result) => result.GetAsync(timeout: {|TG0304:TimeSpan.FromSeconds(-1)|});
            public static Task C(BroadcastResult<int> result) => result.GetAsync({|TG0304:default(TimeSpan)|});
            public static Task D(BroadcastResult result) => result.CollectAsync({|TG0304:TimeSpan.FromTicks(0)|});
            public static Task E(AsyncResult<int> result) => result.GetAsync(Timeout.InfiniteTimeSpan);
            public static Task F(AsyncResult<int> result) => result.GetAsync(TimeSpan.FromSeconds(30));
            public static Task G(AsyncResult<int> result) => result.GetAsync();
        }
        """);
}
