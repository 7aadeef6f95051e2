using System;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Verify = TaskGen.Analyzers.Tests.AnalyzerTest<TaskGen.Analyzers.ScheduleAnalyzer>;

namespace TaskGen.Analyzers.Tests;

/// <summary>Periodic-task rules (TG0501–TG0507): only constants are judged, with the scheduler's own parser and zones.</summary>
public sealed class ScheduleAnalyzerTests
{
    [Fact]
    public Task CronThatDoesNotParseIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Cron = {|#0:"61 * * * *"|})] public static void Tidy() { }
            public static Schedule A() => Schedule.Cron({|#1:"0 6 * *"|});
            public static Schedule B() => Schedule.Parse({|#2:"every fortnight"|});
            public static Schedule C() => Schedule.Cron({|#3:"0 0 6 * * * *"|}, "Europe/Berlin");
        }
        """,
        new DiagnosticResult("TG0501", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("61 * * * *", "Minutes: Value must be a number between 0 and 59 (all inclusive)"),
        new DiagnosticResult("TG0501", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithArguments("0 6 * *", "it has 4 fields"),
        new DiagnosticResult("TG0501", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(2).WithArguments("every fortnight", "it is no interval either (write \"every 30 s\"; units s, m, h, d)"),
        new DiagnosticResult("TG0501", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(3).WithArguments("0 0 6 * * * *", "it has 7 fields"));

    [Fact]
    public Task ValidCronIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            private const string Nightly = "0 3 * * *";
            [Task, Periodic(Cron = "*/5 * * * *")] public static void Tidy() { }
            [Task, Periodic(Cron = "0 30 6 * * MON-FRI", TimeZone = "America/New_York")] public static void Open() { }
            public static Schedule A() => Schedule.Cron(Nightly, "Europe/Berlin");
            public static Schedule B() => Schedule.Parse("every 30 s");
            public static Schedule C() => Schedule.Parse("@daily");
            public static Schedule D(string expression) => Schedule.Cron(expression);
        }
        """);

    [Fact]
    public Task UnknownTimeZoneIsReported() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Cron = "0 6 * * *", TimeZone = {|#0:"Europe/Berln"|})] public static void Report() { }
            public static Schedule A() => Schedule.Cron("0 6 * * *", {|#1:"Mars/Olympus_Mons"|});
            public static Schedule B() => Schedule.Parse("0 6 * * *", timeZone: {|#2:"America/NewYork"|});
        }
        """,
        new DiagnosticResult("TG0502", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("Europe/Berln", " (did you mean \"Europe/Berlin\"?)"),
        new DiagnosticResult("TG0502", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithArguments("Mars/Olympus_Mons", ""),
        new DiagnosticResult("TG0502", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(2).WithArguments("America/NewYork", " (did you mean \"America/New_York\"?)"));

    [Fact]
    public Task KnownTimeZoneIsNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Cron = "0 6 * * *", TimeZone = "Asia/Tokyo")] public static void Report() { }
            public static Schedule A() => Schedule.Cron("0 6 * * *", "UTC");
            public static Schedule B() => Schedule.Cron("0 6 * * *", null);
            public static Schedule C(string zone) => Schedule.Cron("0 6 * * *", zone);
        }
        """);

    [Fact]
    public Task DailyTimeInADaylightSavingChangeIsReported()
    {
        (DateTime gap, DateTime overlap) = Changes("Europe/Berlin", new TimeSpan(2, 30, 0));
        string skipped = $"does not exist on {Date(gap)} (clocks go forward; that run happens at 03:00)";
        string repeated = $"occurs twice on {Date(overlap)} (clocks go back; it runs at the first 02:30)";
        return Verify.VerifyAsync("""
            using TaskGen;
            using TaskGen.Scheduling;
            namespace App;
            public static class Jobs
            {
                [Task, Periodic(Cron = {|#0:"30 2 * * *"|}, TimeZone = "Europe/Berlin")] public static void Backup() { }
                public static Schedule A() => Schedule.Cron({|#1:"30 2 * * *"|}, "Europe/Berlin");
            }
            """,
            new DiagnosticResult("TG0503", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(0)
                .WithArguments("30 2 * * *", "02:30", "Europe/Berlin", gap < overlap ? skipped + " and " + repeated : repeated + " and " + skipped),
            new DiagnosticResult("TG0503", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(1)
                .WithArguments("30 2 * * *", "02:30", "Europe/Berlin", gap < overlap ? skipped + " and " + repeated : repeated + " and " + skipped));
    }

    [Fact]
    public Task TimesOutsideTheChangeAreNotReported() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Cron = "30 3 * * *", TimeZone = "Europe/Berlin")] public static void Backup() { }
            public static Schedule Hourly() => Schedule.Cron("30 * * * *", "Europe/Berlin");
            public static Schedule Weekdays() => Schedule.Cron("30 2 * * 1-5", "Europe/Berlin");
            public static Schedule Utc() => Schedule.Cron("30 2 * * *");
            public static Schedule Tokyo() => Schedule.Cron("30 2 * * *", "Asia/Tokyo");
        }
        """);

    [Fact]
    public Task DuplicateEntryNameIsReportedOnTheSecond() => Verify.VerifyAsync("""
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Every = "1 m")] public static void Tidy() { }
            [Task, Periodic(Cron = "0 6 * * *", Name = {|#0:"App.Jobs.Tidy"|})] public static void Report() { }
            public static void Configure(ScheduleBuilder schedule, Signature call) => schedule
                .Add("reports.daily", call, Schedule.Cron("0 6 * * *"))
                .Add({|#1:"reports.daily"|}, call, Schedule.Cron("0 7 * * *"))
                .Add("Reports.Daily", call, Schedule.Cron("0 8 * * *"));

            // Another app's schedule, as a test project builds many: its names are its own.
            public static void Other(ScheduleBuilder schedule, Signature call) => schedule.Add("reports.daily", call, Schedule.Cron("0 6 * * *"));
        }
        """,
        new DiagnosticResult("TG0504", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("App.Jobs.Tidy", "Test0.cs(6,12)"),
        new DiagnosticResult("TG0504", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithArguments("reports.daily", "Test0.cs(9,14)"));

    [Fact]
    public Task IntervalUnderOneSecondIsReported() => Verify.VerifyAsync("""
        using System;
        using TaskGen;
        using TaskGen.Scheduling;
        namespace App;
        public static class Jobs
        {
            [Task, Periodic(Every = {|#0:"500 ms"|})] public static void Poll() { }
            public static Schedule A() => Schedule.Every({|#1:TimeSpan.FromMilliseconds(500)|});
            public static Schedule B() => Schedule.Every({|#2:TimeSpan.FromSeconds(0.5)|});
            public static Schedule C() => Schedule.Every({|#3:new TimeSpan(0, 0, 0)|});
            public static Schedule D() => Schedule.Parse({|#4:"every 0.5 s"|});
            public static Schedule E() => Schedule.Every(TimeSpan.FromSeconds(1));
            public static Schedule F() => Schedule.Parse("every 1.5 minutes");
            public static Schedule H() => Schedule.Parse("00:00:30");
            public static Schedule I() => Schedule.Parse({|#5:"every 1000 ms"|});
            public static Schedule G(TimeSpan interval) => Schedule.Every(interval);
        }
        """,
        new DiagnosticResult("TG0505", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("\"500 ms\""),
        new DiagnosticResult("TG0505", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithArguments("00:00:00.5000000"),
        new DiagnosticResult("TG0505", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(2).WithArguments("00:00:00.5000000"),
        new DiagnosticResult("TG0505", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(3).WithArguments("00:00:00"),
        new DiagnosticResult("TG0505", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(4).WithArguments("\"every 0.5 s\""),
        new DiagnosticResult("TG0501", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(5).WithArguments("every 1000 ms", "it is no interval either (write \"every 30 s\"; units s, m, h, d)"));

    [Fact]
    public Task PeriodicThatCannotBeRegisteredIsReported() => Verify.VerifyAsync("""
        using System.Threading;
        using TaskGen;
        namespace App;
        public static class Jobs
        {
            [{|#0:Periodic(Every = "1 m")|}] public static void NotATask() { }
            [Task, {|#1:Periodic(Every = "1 m")|}] public static void Resize(int width) { }
            [Task, {|#2:Periodic(TimeZone = "UTC")|}] public static void Nothing() { }
            [Task, {|#3:Periodic(Every = "1 m", Cron = "* * * * *")|}] public static void Both() { }
            [Task, {|#4:Periodic(Every = "1 m", Name = " ")|}] public static void Blank() { }
            [Task, Periodic(Every = {|#5:"sometimes"|})] public static void Vague() { }
        }
        """,
        new DiagnosticResult("TG0506", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithArguments("Jobs.NotATask", "the method is not a [Task]; add [Task] to it"),
        new DiagnosticResult("TG0506", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithArguments("Jobs.Resize", "the task takes the argument 'width', and a periodic run sends none; give it a default value, or add an entry with ScheduleBuilder.Add and the task's Signature(...)"),
        new DiagnosticResult("TG0506", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(2).WithArguments("Jobs.Nothing", "it names no schedule; set Cron (for example Cron = \"0 6 * * *\") or Every (for example Every = \"30 s\")"),
        new DiagnosticResult("TG0506", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(3).WithArguments("Jobs.Both", "it sets both Cron and Every; keep one, since an entry has one schedule"),
        new DiagnosticResult("TG0506", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(4).WithArguments("Jobs.Blank", "its Name is empty; remove Name to use the task's name"),
        new DiagnosticResult("TG0507", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(5).WithArguments("sometimes"));

    [Fact]
    public Task PeriodicOnATaskWithoutArgumentsIsNotReported() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using TaskGen;
        namespace App;
        public interface IClock { }
        public static class Jobs
        {
            [Task, Periodic(Every = "30 s"), Periodic(Cron = "0 6 * * *", Name = "jobs.morning", Misfire = TaskGen.Scheduling.MisfirePolicy.Skip)]
            public static Task Sweep([FromServices] IClock clock, TaskContext context, CancellationToken cancellationToken, int batch = 100) => Task.CompletedTask;
        }
        """);

    /// <summary>The first local dates, from today on, on which <paramref name="time"/> does not exist and occurs twice in the zone.</summary>
    private static (DateTime Gap, DateTime Overlap) Changes(string zoneId, TimeSpan time)
    {
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        DateTime? gap = null, overlap = null;
        for (DateTime day = DateTime.UtcNow.Date; gap is null || overlap is null; day = day.AddDays(1))
        {
            DateTime local = DateTime.SpecifyKind(day + time, DateTimeKind.Unspecified);
            gap ??= zone.IsInvalidTime(local) ? day : null;
            overlap ??= zone.IsAmbiguousTime(local) ? day : null;
        }

        return (gap!.Value, overlap!.Value);
    }

    private static string Date(DateTime date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
