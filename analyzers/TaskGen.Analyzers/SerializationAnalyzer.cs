using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports task parameters and results that cannot travel as JSON between processes, on the exact type
/// syntax (the element type inside a collection when that is the culprit).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SerializationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property naming the JSON context type (metadata name), for the code fix.</summary>
    public const string ContextProperty = "Context";

    /// <summary>The diagnostic property holding the type to add to the context, fully qualified.</summary>
    public const string TypeProperty = "Type";

    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.DelegateAsData,
        DiagnosticDescriptors.NativeAsData,
        DiagnosticDescriptors.DisposableAsData,
        DiagnosticDescriptors.AsyncPrimitiveAsData,
        DiagnosticDescriptors.UntypedData,
        DiagnosticDescriptors.PolymorphicData,
        DiagnosticDescriptors.OpenGenericData,
        DiagnosticDescriptors.TypeNotInJsonContext,
        DiagnosticDescriptors.NoJsonContext,
        DiagnosticDescriptors.NonStringDictionaryKey,
        DiagnosticDescriptors.UnsupportedWireType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownSymbols.Create(start.Compilation) is not { } known)
            {
                return;
            }

            // The context's closure is walked once, on the first task, and shared by every other; so is the verdict
            // on each distinct type, which a thousand tasks repeat (int, string, List<int>...) far more than they vary.
            var coverage = new Lazy<JsonContextCoverage?>(() => JsonContextCoverage.Create(known), LazyThreadSafetyMode.ExecutionAndPublication);
            var verdicts = new ConcurrentDictionary<ITypeSymbol, WireProblem>(SymbolEqualityComparer.IncludeNullability);
            start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, known, coverage, verdicts), SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols known, Lazy<JsonContextCoverage?> coverage, ConcurrentDictionary<ITypeSymbol, WireProblem> verdicts)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary || known.GetTaskAttribute(method) is null)
        {
            return;
        }

        // The name and the syntax are looked up only for a type that has a problem: most tasks have none.
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || IsSuppliedByWorker(parameter.Type) || TaskNames.IsFromServices(parameter))
            {
                continue;
            }

            WireProblem problem = Verdict(parameter.Type, coverage, verdicts);
            if (problem.Kind != WireProblemKind.None)
            {
                var syntax = parameter.DeclaringSyntaxReferences.Length > 0 ? parameter.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken) as ParameterSyntax : null;
                Report(context, coverage, problem, parameter.Type, syntax?.Type, $"Parameter '{parameter.Name}' of task '{TaskNames.DefaultName(method)}' sends", parameter.Locations[0]);
            }
        }

        if (ResultType(method.ReturnType, known, null) is ({ } result, _) && Verdict(result, coverage, verdicts) is { Kind: not WireProblemKind.None } resultProblem)
        {
            MethodDeclarationSyntax? declaration = TaskSyntax.Declaration(method, context.CancellationToken);
            TypeSyntax? resultSyntax = ResultType(method.ReturnType, known, declaration?.ReturnType).Item2;
            Report(context, coverage, resultProblem, result, resultSyntax, $"Task '{TaskNames.DefaultName(method)}' returns", declaration?.ReturnType.GetLocation() ?? method.Locations[0]);
        }
    }

    /// <summary>A <c>CancellationToken</c> or a <c>TaskContext</c> (not nullable) parameter is the worker's to fill, not the caller's to send.</summary>
    private static bool IsSuppliedByWorker(ITypeSymbol type) =>
        type is INamedTypeSymbol named
        && (WireTypes.IsNamed(named, "System.Threading", "CancellationToken", 0)
            || (WireTypes.IsNamed(named, "TaskGen", "TaskContext", 0) && type.NullableAnnotation != NullableAnnotation.Annotated));

    /// <summary>The result type after unwrapping Task&lt;T&gt; or ValueTask&lt;T&gt;, or null when the task has no result to send.</summary>
    private static (ITypeSymbol?, TypeSyntax?) ResultType(ITypeSymbol returnType, KnownSymbols known, TypeSyntax? syntax)
    {
        if (returnType.SpecialType == SpecialType.System_Void || KnownSymbols.Is(returnType, known.Task) || KnownSymbols.Is(returnType, known.ValueTask)
            || TaskShapeAnalyzer.IsUnsupportedAwaitable(returnType, known))
        {
            return (null, null);
        }

        if (syntax is RefTypeSyntax refType)
        {
            syntax = refType.Type;
        }

        if (returnType is INamedTypeSymbol named && (KnownSymbols.Is(named, known.TaskOfT) || KnownSymbols.Is(named, known.ValueTaskOfT)))
        {
            return (named.TypeArguments[0], GenericArgument(syntax, 0));
        }

        return (returnType, syntax);
    }

    /// <summary>The type's first problem, walked once per distinct type (nullability included, as messages show it) per compilation.</summary>
    private static WireProblem Verdict(ITypeSymbol type, Lazy<JsonContextCoverage?> coverage, ConcurrentDictionary<ITypeSymbol, WireProblem> verdicts)
    {
        if (!verdicts.TryGetValue(type, out WireProblem problem))
        {
            JsonContextCoverage? json = null;
            problem = WireTypes.FindProblem(type, t => (json ??= coverage.Value) is { } c && c.Covers(t));
            verdicts.TryAdd(type, problem);
        }

        return problem;
    }

    private static void Report(SymbolAnalysisContext context, Lazy<JsonContextCoverage?> coverage, WireProblem problem, ITypeSymbol type, TypeSyntax? syntax, string subject, Location fallback)
    {
        Location location = Narrow(syntax, type, problem.Path)?.GetLocation() ?? fallback;
        string offending = problem.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        Diagnostic diagnostic = problem.Kind switch
        {
            WireProblemKind.Delegate => Diagnostic.Create(DiagnosticDescriptors.DelegateAsData, location, subject, offending),
            WireProblemKind.Native => Diagnostic.Create(DiagnosticDescriptors.NativeAsData, location, subject, offending, problem.Reason),
            WireProblemKind.Disposable => Diagnostic.Create(DiagnosticDescriptors.DisposableAsData, location, subject, offending),
            WireProblemKind.AsyncPrimitive => Diagnostic.Create(DiagnosticDescriptors.AsyncPrimitiveAsData, location, subject, offending, problem.Reason),
            WireProblemKind.Untyped => Diagnostic.Create(DiagnosticDescriptors.UntypedData, location, subject, offending),
            WireProblemKind.Polymorphic => Diagnostic.Create(DiagnosticDescriptors.PolymorphicData, location, subject, offending, problem.Reason),
            WireProblemKind.OpenGeneric => Diagnostic.Create(DiagnosticDescriptors.OpenGenericData, location, subject, offending),
            WireProblemKind.NonStringKey => Diagnostic.Create(DiagnosticDescriptors.NonStringDictionaryKey, location, subject, offending, problem.Detail?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)),
            WireProblemKind.NeedsJsonContext when coverage.Value is { } c => Diagnostic.Create(
                DiagnosticDescriptors.TypeNotInJsonContext,
                location,
                ImmutableDictionary<string, string?>.Empty
                    .Add(ContextProperty, MetadataName(c.Context))
                    .Add(TypeProperty, problem.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified)),
                subject,
                offending,
                c.Context.Name),
            WireProblemKind.NeedsJsonContext => Diagnostic.Create(
                DiagnosticDescriptors.NoJsonContext,
                location,
                ImmutableDictionary<string, string?>.Empty.Add(TypeProperty, problem.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified)),
                subject,
                offending),
            _ => Diagnostic.Create(DiagnosticDescriptors.UnsupportedWireType, location, subject, offending),
        };
        context.ReportDiagnostic(diagnostic);
    }

    private static string MetadataName(INamedTypeSymbol type)
    {
        var parts = new Stack<string>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            parts.Push(current.MetadataName);
        }

        string nested = string.Join("+", parts);
        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + nested : nested;
    }

    /// <summary>Follows the problem's path from the declared type syntax to the syntax of the offending element, as far as the syntax mirrors the type.</summary>
    private static TypeSyntax? Narrow(TypeSyntax? syntax, ITypeSymbol type, IReadOnlyList<int> path)
    {
        foreach (int step in path)
        {
            if (syntax is null)
            {
                return null;
            }

            bool isNullableValue = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };
            if (syntax is NullableTypeSyntax annotated && !isNullableValue)
            {
                syntax = annotated.ElementType;
            }

            TypeSyntax? next;
            ITypeSymbol nextType;
            switch (type)
            {
                case IArrayTypeSymbol array when syntax is ArrayTypeSyntax { RankSpecifiers.Count: 1 } arraySyntax:
                    next = arraySyntax.ElementType;
                    nextType = array.ElementType;
                    break;
                case INamedTypeSymbol named when isNullableValue && syntax is NullableTypeSyntax nullable:
                    next = nullable.ElementType;
                    nextType = named.TypeArguments[0];
                    break;
                case INamedTypeSymbol named when step < named.TypeArguments.Length && GenericArgument(syntax, step) is { } argument:
                    next = argument;
                    nextType = named.TypeArguments[step];
                    break;
                default:
                    return syntax;
            }

            syntax = next;
            type = nextType;
        }

        return syntax;
    }

    private static TypeSyntax? GenericArgument(TypeSyntax? syntax, int index)
    {
        GenericNameSyntax? generic = syntax switch
        {
            GenericNameSyntax g => g,
            QualifiedNameSyntax { Right: GenericNameSyntax g } => g,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax g } => g,
            _ => null,
        };
        return generic is not null && index < generic.TypeArgumentList.Arguments.Count ? generic.TypeArgumentList.Arguments[index] : null;
    }
}
