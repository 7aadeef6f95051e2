using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskGen.Generators;
using TaskGen.Scheduling;

namespace TaskGen.Analyzers.Tests;

/// <summary>The generated module's [Periodic] entries, loaded and run: what the app builder's schedule holds after AddTasks.</summary>
public sealed class PeriodicRegistrationTests
{
    [Fact]
    public void AddTasksPutsEachPeriodicEntryInTheScheduleOnce()
    {
        Assembly assembly = Compile("""
            using System.Threading;
            using TaskGen;
            using TaskGen.Scheduling;
            namespace Ops;
            public static class Maintenance
            {
                [Task, Periodic(Every = "90 s"), Periodic(Cron = "0 6 * * *", TimeZone = "Europe/Berlin", Name = "ops.morning", Misfire = MisfirePolicy.Skip)]
                public static void Sweep(CancellationToken cancellationToken, int batch = 100) { }
            }
            """);
        MethodInfo add = assembly.GetType("TaskGen.OpsTasksRegistration", throwOnError: true)!.GetMethod("AddOpsTasks")!;
        var builder = new TaskAppBuilder();

        add.Invoke(null, new object[] { builder });
        add.Invoke(null, new object[] { builder });

        Assert.Collection(
            builder.Schedule.Entries,
            every =>
            {
                Assert.Equal("Ops.Maintenance.Sweep", every.Name);
                Assert.Equal("Ops.Maintenance.Sweep", every.Signature.Task.Name);
                Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 1, 30, TimeSpan.Zero), every.Schedule.GetNextOccurrence(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
                Assert.Equal(MisfirePolicy.RunOnce, every.Options.Misfire);
            },
            cron =>
            {
                Assert.Equal("ops.morning", cron.Name);
                Assert.Equal(new DateTimeOffset(2030, 1, 1, 5, 0, 0, TimeSpan.Zero), cron.Schedule.GetNextOccurrence(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
                Assert.Equal(MisfirePolicy.Skip, cron.Options.Misfire);
            });
    }

    private static Assembly Compile(string source)
    {
        CSharpCompilation compilation = Compilations.Create("Ops", ("Maintenance.cs", source));
        CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: Compilations.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = output.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray());
    }
}
