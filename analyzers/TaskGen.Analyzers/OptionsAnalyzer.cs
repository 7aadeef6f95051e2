using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskGen.Analyzers.Helpers;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports <c>TaskOptions</c> and result timeouts whose values are known at compile time and cannot do
/// what the caller meant: a countdown in the past, an expiry before the run time, a timeout of zero.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OptionsAnalyzer : DiagnosticAnalyzer
{
    private const double InfiniteTicks = -10_000;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NegativeCountdown,
        DiagnosticDescriptors.ExpiresBeforeEta,
        DiagnosticDescriptors.NonPositiveExpiresIn,
        DiagnosticDescriptors.NonPositiveTimeout);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownSymbols.Create(start.Compilation) is not { TaskOptions: not null } known)
            {
                return;
            }

            start.RegisterOperationAction(operation => AnalyzeAssignment(operation, known), OperationKind.SimpleAssignment);
            start.RegisterOperationAction(operation => AnalyzeCreation(operation, known), OperationKind.ObjectCreation);
            start.RegisterOperationAction(operation => AnalyzeWait(operation, known), OperationKind.Invocation);
        });
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, KnownSymbols known)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (OptionName(assignment, known) is not ("Countdown" or "ExpiresIn") || ConstantTime.TimeSpan(assignment.Value, known) is not { } ticks)
        {
            return;
        }

        string name = OptionName(assignment, known)!;
        if (name == "Countdown" && ticks < 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NegativeCountdown, assignment.Value.Syntax.GetLocation(), ConstantTime.Format(ticks)));
        }
        else if (name == "ExpiresIn" && ticks <= 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonPositiveExpiresIn, assignment.Value.Syntax.GetLocation(), ConstantTime.Format(ticks)));
        }
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, KnownSymbols known)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, known.TaskOptions) || creation.Initializer is null)
        {
            return;
        }

        IOperation? eta = null, countdown = null, expires = null, expiresIn = null;
        foreach (IOperation member in creation.Initializer.Initializers)
        {
            if (member is ISimpleAssignmentOperation assignment)
            {
                switch (OptionName(assignment, known))
                {
                    case "Eta": eta = assignment.Value; break;
                    case "Countdown": countdown = assignment.Value; break;
                    case "Expires": expires = assignment.Value; break;
                    case "ExpiresIn": expiresIn = assignment.Value; break;
                }
            }
        }

        // The app derives the ETA and expiry the same way: an explicit moment wins over a delay from now.
        Instant? runAt = eta is not null ? ConstantTime.Moment(eta, known) : countdown is not null ? Relative(countdown, known) : null;
        IOperation? expiry = expires ?? expiresIn;
        Instant? expiresAt = expires is not null ? ConstantTime.Moment(expires, known) : expiresIn is not null ? Relative(expiresIn, known) : null;
        if (runAt is not { } run || expiresAt is not { } end || !run.ComparesWith(end))
        {
            return;
        }

        // A non-positive ExpiresIn has its own diagnostic; one is enough.
        if (expires is null && end.Ticks <= 0)
        {
            return;
        }

        if (end.Ticks <= run.Ticks)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ExpiresBeforeEta, expiry!.Syntax.GetLocation(), ConstantTime.Format(end.Ticks - run.Ticks)));
        }
    }

    private static void AnalyzeWait(OperationAnalysisContext context, KnownSymbols known)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("GetAsync" or "CollectAsync")
            || !(KnownSymbols.Is(method.ContainingType, known.AsyncResult) || KnownSymbols.Is(method.ContainingType, known.AsyncResultOfT)
                || KnownSymbols.Is(method.ContainingType, known.BroadcastResult) || KnownSymbols.Is(method.ContainingType, known.BroadcastResultOfT)))
        {
            return;
        }

        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == "timeout" && argument.ArgumentKind == ArgumentKind.Explicit
                && ConstantTime.TimeSpan(argument.Value, known) is { } ticks && ticks <= 0 && ticks != InfiniteTicks)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonPositiveTimeout, argument.Value.Syntax.GetLocation(), ConstantTime.Format(ticks)));
            }
        }
    }

    private static Instant? Relative(IOperation delay, KnownSymbols known) =>
        ConstantTime.TimeSpan(delay, known) is { } ticks ? new Instant(Instant.Now, ticks) : null;

    private static string? OptionName(ISimpleAssignmentOperation assignment, KnownSymbols known) =>
        assignment.Target is IPropertyReferenceOperation { Property: { } property } && SymbolEqualityComparer.Default.Equals(property.ContainingType, known.TaskOptions)
            ? property.Name
            : null;
}
