using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports chains, chords and callbacks whose parts do not fit together: a step that cannot take the result before it,
/// a chord body that cannot take its header's results or runs on every worker, a header member whose result is never
/// stored, and an error callback that cannot take a task id. Only parts written out at the call are checked; a group
/// built in a loop or held in a variable of type <c>TaskGroup</c> is left to the check the app makes when it is sent.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CanvasAnalyzer : DiagnosticAnalyzer
{
    private static readonly SymbolDisplayFormat s_shown = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ChordBodyDoesNotTakeHeaderResults,
        DiagnosticDescriptors.StepDoesNotTakePreviousResult,
        DiagnosticDescriptors.ChordBodyDropsHeaderResults,
        DiagnosticDescriptors.ChordHeaderIgnoresResult,
        DiagnosticDescriptors.ChordBodyOnBroadcastQueue,
        DiagnosticDescriptors.ErrbackDoesNotTakeTaskId);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // A TaskGen without the canvas has nothing to check.
            if (KnownSymbols.Create(start.Compilation) is not { TaskChord: not null, SignatureOfT: not null, PartialSignatureOfT: not null } known)
            {
                return;
            }

            // Only a chord body needs the queues, so most compilations never build the catalog.
            Lazy<QueueCatalog>? catalog = known.TaskQueueAttribute is null
                ? null
                : new Lazy<QueueCatalog>(() => QueueCatalog.Create(known), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, known, catalog), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownSymbols known, Lazy<QueueCatalog>? catalog)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        INamedTypeSymbol type = method.ContainingType;
        if (method.Name == "Of" && KnownSymbols.Is(type, known.TaskChord))
        {
            AnalyzeChord(context, invocation, known, catalog);
        }
        else if (method.Name is "Then" or "OnSuccess" && (KnownSymbols.Is(type, known.SignatureOfT) || KnownSymbols.Is(type, known.TaskChainOfT)))
        {
            AnalyzeStep(context, invocation, type.TypeArguments[0], known);
        }
        else if (method.Name == "OnError" && (KnownSymbols.Is(type, known.Signature) || KnownSymbols.Is(type, known.SignatureOfT)))
        {
            AnalyzeErrback(context, invocation, known);
        }
    }

    private static void AnalyzeChord(OperationAnalysisContext context, IInvocationOperation invocation, KnownSymbols known, Lazy<QueueCatalog>? catalog)
    {
        if (Argument(invocation, 0) is not { } header || Argument(invocation, 1) is not { } body)
        {
            return;
        }

        IOperation headerValue = StubCall.Skip(header.Value);
        foreach (IOperation member in Members(headerValue, known))
        {
            if (StubCall.Find(WithoutCallbacks(member, known), known) is { } memberCall
                && memberCall.OptionValue("IgnoreResult", known, out _) is { ConstantValue: { HasValue: true, Value: true } })
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChordHeaderIgnoresResult, member.Syntax.GetLocation(), memberCall.DisplayName));
            }
        }

        if (StubCall.Find(body.Value, known) is not { } bodyCall)
        {
            return;
        }

        Location location = body.Value.Syntax.GetLocation();
        if (catalog is not null && BroadcastQueue(bodyCall, known, catalog) is { } queue)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChordBodyOnBroadcastQueue, location, bodyCall.DisplayName, queue));
        }

        if (!bodyCall.IsPartial)
        {
            if (bodyCall.HasPartial)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChordBodyDropsHeaderResults, location, bodyCall.DisplayName));
            }

            return;
        }

        // The header's result type is known only from its static type; a plain TaskGroup (mixed, or built elsewhere) is checked at run time.
        if (headerValue.Type is INamedTypeSymbol headerType && KnownSymbols.Is(headerType, known.TaskGroupOfT)
            && bodyCall.FirstArgumentType is { } input
            && !TakesListOf(input, headerType.TypeArguments[0], context.Compilation, known))
        {
            ITypeSymbol result = headerType.TypeArguments[0];
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ChordBodyDoesNotTakeHeaderResults,
                location,
                bodyCall.DisplayName,
                input.ToDisplayString(s_shown),
                result.ToDisplayString(s_shown),
                bodyCall.MethodName));
        }
    }

    private static void AnalyzeStep(OperationAnalysisContext context, IInvocationOperation invocation, ITypeSymbol previous, KnownSymbols known)
    {
        if (Argument(invocation, 0) is not { } next
            || StubCall.Find(next.Value, known) is not { IsPartial: true } call
            || call.FirstArgumentType is not { } input
            || Accepts(input, previous, context.Compilation, known))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.StepDoesNotTakePreviousResult,
            next.Value.Syntax.GetLocation(),
            invocation.TargetMethod.Name == "Then" ? "next step" : "callback",
            call.DisplayName,
            input.ToDisplayString(s_shown),
            previous.ToDisplayString(s_shown),
            call.MethodName));
    }

    private static void AnalyzeErrback(OperationAnalysisContext context, IInvocationOperation invocation, KnownSymbols known)
    {
        if (Argument(invocation, 0) is not { } errback
            || StubCall.Find(errback.Value, known) is not { IsPartial: true } call
            || call.FirstArgumentType is not { } input
            || Accepts(input, context.Compilation.GetSpecialType(SpecialType.System_String), context.Compilation, known))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.ErrbackDoesNotTakeTaskId,
            errback.Value.Syntax.GetLocation(),
            call.DisplayName,
            input.ToDisplayString(s_shown),
            call.MethodName));
    }

    /// <summary>The broadcast queue the body goes to, from its options or else its task's queue; null when it is direct or cannot be known here.</summary>
    private static string? BroadcastQueue(StubCall body, KnownSymbols known, Lazy<QueueCatalog> catalog)
    {
        string? queue;
        if (body.OptionValue("Queue", known, out bool optionsUnknown) is { } routed)
        {
            queue = routed.ConstantValue is { HasValue: true, Value: string constant } ? constant : null;
        }
        else if (optionsUnknown)
        {
            queue = null;
        }
        else
        {
            queue = body.FindTaskMethod(known) is { } method && known.GetTaskAttribute(method) is { } attribute ? TaskNames.NamedString(attribute, "Queue") : null;
        }

        return queue is not null && catalog.Value.Find(queue) is { Broadcast: true } ? queue : null;
    }

    /// <summary>The header's members when it is built right here with <c>TaskGroup.Of(a, b)</c>, <c>TaskGroup.Of(new[] { a, b })</c> or <c>TaskGroup.Mixed(a, b)</c>.</summary>
    private static IEnumerable<IOperation> Members(IOperation header, KnownSymbols known)
    {
        if (header is not IInvocationOperation { TargetMethod.Name: "Of" or "Mixed" } group || !KnownSymbols.Is(group.TargetMethod.ContainingType, known.TaskGroup))
        {
            yield break;
        }

        foreach (IArgumentOperation argument in group.Arguments)
        {
            IOperation value = StubCall.Skip(argument.Value);
            if (value is IArrayCreationOperation { Initializer: { } elements })
            {
                foreach (IOperation element in elements.ElementValues)
                {
                    yield return element;
                }
            }
            else if (KnownSymbols.Is(argument.Parameter?.Type, known.SignatureOfT))
            {
                yield return argument.Value;
            }
        }
    }

    /// <summary>The signature under <c>.OnError(...)</c> and <c>.OnSuccess(...)</c>, which copy its options unchanged.</summary>
    private static IOperation WithoutCallbacks(IOperation member, KnownSymbols known)
    {
        IOperation current = StubCall.Skip(member);
        while (current is IInvocationOperation { TargetMethod.Name: "OnError" or "OnSuccess", Instance: { } instance } callback
            && (KnownSymbols.Is(callback.TargetMethod.ContainingType, known.Signature) || KnownSymbols.Is(callback.TargetMethod.ContainingType, known.SignatureOfT)))
        {
            current = StubCall.Skip(instance);
        }

        return current;
    }

    /// <summary>True when a first parameter of this type takes the header's results as one list: an array, list or sequence whose elements take each result.</summary>
    private static bool TakesListOf(ITypeSymbol input, ITypeSymbol result, Compilation compilation, KnownSymbols known)
    {
        WireShape shape = WireTypes.Shape(input);
        return shape.Problem != WireProblemKind.None
            || (shape.Kind is WireKind.Array or WireKind.List or WireKind.Sequence && shape.Element is { } element && Accepts(element, result, compilation, known));
    }

    /// <summary>
    /// True when a parameter of type <paramref name="target"/> takes a <paramref name="source"/>, as the app checks it: the
    /// same type (or its nullable), a base type or interface by reference, or <c>object</c> and <c>JsonElement</c>, which take
    /// any JSON. A type that does not bind, or a type parameter, is not judged.
    /// </summary>
    private static bool Accepts(ITypeSymbol target, ITypeSymbol source, Compilation compilation, KnownSymbols known)
    {
        if (target is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            target = nullable.TypeArguments[0];
        }

        if (target.SpecialType == SpecialType.System_Object || SymbolEqualityComparer.Default.Equals(target, known.JsonElement)
            || target.TypeKind is TypeKind.Error or TypeKind.TypeParameter || source.TypeKind is TypeKind.Error or TypeKind.TypeParameter)
        {
            return true;
        }

        Conversion conversion = ((CSharpCompilation)compilation).ClassifyConversion(source, target);
        return conversion.IsIdentity || (conversion.IsImplicit && conversion.IsReference);
    }

    private static IArgumentOperation? Argument(IInvocationOperation invocation, int ordinal)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument;
            }
        }

        return null;
    }
}
