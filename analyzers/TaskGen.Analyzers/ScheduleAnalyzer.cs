using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports schedules the scheduler would refuse when it starts (a cron expression or time zone it cannot read, an
/// interval under a second, two entries of one name, a <c>[Periodic]</c> it cannot register) and daily times that a
/// daylight-saving change moves. Only constants are judged: <c>Schedule.Cron</c>, <c>Schedule.Parse</c>,
/// <c>Schedule.Every</c>, <c>ScheduleBuilder.Add</c> names and <c>[Periodic]</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.CronDoesNotParse,
        DiagnosticDescriptors.UnknownTimeZone,
        DiagnosticDescriptors.DailyTimeInDaylightSavingChange,
        DiagnosticDescriptors.DuplicateEntryName,
        DiagnosticDescriptors.IntervalUnderOneSecond,
        DiagnosticDescriptors.PeriodicNotRegistered,
        DiagnosticDescriptors.IntervalDoesNotParse);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownSymbols.Create(start.Compilation) is not { } known
                || start.Compilation.GetTypeByMetadataName("TaskGen.Scheduling.Schedule") is not { } schedule)
            {
                return;
            }

            INamedTypeSymbol? builder = start.Compilation.GetTypeByMetadataName("TaskGen.Scheduling.ScheduleBuilder");
            INamedTypeSymbol? periodic = start.Compilation.GetTypeByMetadataName(PeriodicRules.PeriodicAttribute);
            var names = new ConcurrentBag<Entry>();
            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, known, schedule, builder, names), OperationKind.Invocation);
            if (periodic is not null)
            {
                start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, known, periodic, names), SymbolKind.Method);
            }

            start.RegisterCompilationEndAction(end => ReportDuplicates(end, names));
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownSymbols known, INamedTypeSymbol schedule, INamedTypeSymbol? builder, ConcurrentBag<Entry> names)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, builder))
        {
            if (method.Name == "Add" && Argument(invocation, "name") is { ConstantValue: { HasValue: true, Value: string name } } nameArgument)
            {
                names.Add(new Entry(name, nameArgument.Syntax.GetLocation(), Builder(invocation, builder!)));
            }

            return;
        }

        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, schedule))
        {
            return;
        }

        switch (method.Name)
        {
            case "Every" when Argument(invocation, "interval") is { } interval && ConstantTime.TimeSpan(interval, known) is { } ticks && ticks < PeriodicRules.MinimumIntervalTicks:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.IntervalUnderOneSecond, interval.Syntax.GetLocation(), ConstantTime.Format(ticks)));
                break;
            case "Cron" or "Parse":
                IOperation? text = Argument(invocation, method.Name == "Cron" ? "expression" : "text");
                IOperation? zone = Argument(invocation, "timeZone");
                TimeZoneInfo? resolved = CheckZone(context.ReportDiagnostic, zone?.ConstantValue.Value as string, zone?.Syntax.GetLocation());
                if (text is { ConstantValue: { HasValue: true, Value: string value } })
                {
                    Location location = text.Syntax.GetLocation();
                    // Schedule.Parse reads an interval first and anything else as a cron expression.
                    if (method.Name == "Parse" && (PeriodicRules.TryParseInterval(value, out _) || PeriodicRules.Milliseconds(value) is not null || PeriodicRules.LooksLikeInterval(value)))
                    {
                        CheckInterval(context.ReportDiagnostic, value, location, asCron: true);
                    }
                    else
                    {
                        CheckCron(context.ReportDiagnostic, value, zone is null || zone.ConstantValue is { HasValue: true, Value: null } ? TimeZoneInfo.Utc : resolved, zone?.ConstantValue.Value as string ?? "UTC", location);
                    }
                }

                break;
        }
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols known, INamedTypeSymbol periodic, ConcurrentBag<Entry> names)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary)
        {
            return;
        }

        AttributeData? task = known.GetTaskAttribute(method);
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, periodic)
                || attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            string? why = PeriodicRules.WhyNotRegistered(method, attribute, task is not null);
            if (why is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PeriodicNotRegistered, syntax.GetLocation(), method.ContainingType.Name + "." + method.Name, why));
            }

            string? zoneId = TaskNames.NamedString(attribute, "TimeZone");
            TimeZoneInfo? zone = CheckZone(context.ReportDiagnostic, zoneId, NamedLocation(syntax, "TimeZone"));
            if (TaskNames.NamedString(attribute, "Cron") is { } cron)
            {
                CheckCron(context.ReportDiagnostic, cron, zoneId is null ? TimeZoneInfo.Utc : zone, zoneId ?? "UTC", NamedLocation(syntax, "Cron"));
            }

            if (TaskNames.NamedString(attribute, "Every") is { } every)
            {
                CheckInterval(context.ReportDiagnostic, every, NamedLocation(syntax, "Every"), asCron: false);
            }

            if (why is null && task is not null)
            {
                names.Add(new Entry(PeriodicRules.EntryName(attribute, TaskNames.WireName(method, task)), NamedLocation(syntax, "Name"), null));
            }
        }
    }

    private static TimeZoneInfo? CheckZone(Action<Diagnostic> report, string? id, Location? location)
    {
        if (id is null || !TimeZones.CanJudge)
        {
            return null;
        }

        if (TimeZones.Find(id) is { } zone)
        {
            return zone;
        }

        IReadOnlyList<string> close = TimeZones.Suggest(id);
        string hint = close.Count == 0 ? string.Empty : " (did you mean " + string.Join(" or ", close.Select(c => "\"" + c + "\"")) + "?)";
        report(Diagnostic.Create(DiagnosticDescriptors.UnknownTimeZone, location, id, hint));
        return null;
    }

    private static void CheckCron(Action<Diagnostic> report, string expression, TimeZoneInfo? zone, string zoneId, Location location)
    {
        if (CronCheck.Problem(expression) is { } problem)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.CronDoesNotParse, location, expression, problem));
            return;
        }

        if (zone is null)
        {
            return;
        }

        IReadOnlyList<DaylightSavingConflict> conflicts = CronCheck.DaylightSavingConflicts(expression, zone, DateTime.UtcNow);
        if (conflicts.Count == 0)
        {
            return;
        }

        string times = string.Join(" and ", conflicts.Select(c => Time(c.Time)).Distinct());
        string what = string.Join(" and ", conflicts.Select(c => c.Skipped
            ? $"does not exist on {Date(c.Date)} (clocks go forward; that run happens at {Time(c.RunsAt!.Value)})"
            : $"occurs twice on {Date(c.Date)} (clocks go back; it runs at the first {Time(c.Time)})"));
        report(Diagnostic.Create(DiagnosticDescriptors.DailyTimeInDaylightSavingChange, location, expression, times, zoneId, what));
    }

    private static void CheckInterval(Action<Diagnostic> report, string text, Location location, bool asCron)
    {
        long? ticks = PeriodicRules.TryParseInterval(text, out long read) ? read : PeriodicRules.Milliseconds(text);
        if (ticks is { } value && value < PeriodicRules.MinimumIntervalTicks)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.IntervalUnderOneSecond, location, "\"" + text + "\""));
        }
        else if (ticks is null || !PeriodicRules.TryParseInterval(text, out _))
        {
            // Schedule.Parse reads text that is not an interval as a cron expression, which then fails to parse.
            report(asCron
                ? Diagnostic.Create(DiagnosticDescriptors.CronDoesNotParse, location, text, "it is no interval either (write \"every 30 s\"; units s, m, h, d)")
                : Diagnostic.Create(DiagnosticDescriptors.IntervalDoesNotParse, location, text));
        }
    }

    /// <summary>
    /// Reports an entry whose name an earlier entry of the same schedule has. Entries of one builder variable or
    /// parameter (or one chain of calls) share a schedule, and <c>[Periodic]</c> entries join every schedule the
    /// module is added to; two apps built in one project (tests do) keep their own names.
    /// </summary>
    private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<Entry> names)
    {
        foreach (IGrouping<string, Entry> group in names.GroupBy(n => n.Name, StringComparer.Ordinal))
        {
            var members = group.OrderBy(n => n.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(n => n.Location.SourceSpan.Start).ToList();
            for (int i = 1; i < members.Count; i++)
            {
                Entry entry = members[i];
                if (members.Take(i).FirstOrDefault(earlier => SameSchedule(earlier.Schedule, entry.Schedule)) is not { Name: not null } first)
                {
                    continue;
                }

                FileLinePositionSpan where = first.Location.GetLineSpan();
                string place = $"{Path.GetFileName(where.Path)}({where.StartLinePosition.Line + 1},{where.StartLinePosition.Character + 1})";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateEntryName, entry.Location, entry.Name, place));
            }
        }
    }

    private static bool SameSchedule(object? a, object? b) =>
        a is null || b is null || ReferenceEquals(a, b) || (a is ISymbol x && b is ISymbol y && SymbolEqualityComparer.Default.Equals(x, y));

    /// <summary>What identifies the builder an <c>Add</c> call adds to: the variable, parameter or member at the root of its chain, or the chain itself.</summary>
    private static object Builder(IInvocationOperation invocation, INamedTypeSymbol builder)
    {
        IOperation? receiver = invocation.Instance;
        while (receiver is IInvocationOperation inner && SymbolEqualityComparer.Default.Equals(inner.TargetMethod.ContainingType, builder) && inner.Instance is not null)
        {
            receiver = inner.Instance;
        }

        return receiver switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
            IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property => property.Property,
            _ => (object?)receiver?.Syntax ?? invocation.Syntax,
        };
    }

    /// <summary>A schedule entry's constant name, where it is written, and the schedule it joins (null: every schedule, for [Periodic]).</summary>
    private readonly struct Entry
    {
        public Entry(string name, Location location, object? schedule)
        {
            Name = name;
            Location = location;
            Schedule = schedule;
        }

        public string Name { get; }

        public Location Location { get; }

        public object? Schedule { get; }
    }

    private static IOperation? Argument(IInvocationOperation invocation, string parameter)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == parameter && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                return argument.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : argument.Value;
            }
        }

        return null;
    }

    /// <summary>The value of a named attribute argument, or the whole attribute when it is not written there.</summary>
    private static Location NamedLocation(AttributeSyntax syntax, string name)
    {
        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    private static string Time(TimeSpan time) => time.Seconds == 0
        ? time.ToString(@"hh\:mm", CultureInfo.InvariantCulture)
        : time.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static string Date(DateTime date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
