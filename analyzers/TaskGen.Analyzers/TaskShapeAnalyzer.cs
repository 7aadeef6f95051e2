using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports <c>[Task]</c> methods the generator cannot turn into a remote call: their shape (static,
/// generic, by-reference, accessibility, return type), their names, and their worker-supplied parameters.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskShapeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TaskMustBeStatic,
        DiagnosticDescriptors.TaskMustNotBeGeneric,
        DiagnosticDescriptors.ParameterMustBeByValue,
        DiagnosticDescriptors.UnresolvableService,
        DiagnosticDescriptors.TaskMustNotReturnByRef,
        DiagnosticDescriptors.TaskMustBeReachable,
        DiagnosticDescriptors.TaskMustBeInClassOrStruct,
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.DuplicateTaskName,
        DiagnosticDescriptors.EmptyTaskName,
        DiagnosticDescriptors.InjectedParameterTwice,
        DiagnosticDescriptors.OverloadedTask);

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

            var tasks = new ConcurrentBag<(string Name, IMethodSymbol Method, Location Location)>();
            start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, known, tasks), SymbolKind.Method);
            start.RegisterCompilationEndAction(end => ReportDuplicates(end, known, tasks));
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols known, ConcurrentBag<(string, IMethodSymbol, Location)> tasks)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary || known.GetTaskAttribute(method) is not { } attribute)
        {
            return;
        }

        CancellationToken cancellationToken = context.CancellationToken;
        MethodDeclarationSyntax? declaration = TaskSyntax.Declaration(method, cancellationToken);
        Location identifier = TaskSyntax.IdentifierLocation(method, cancellationToken);
        string display = TaskNames.DefaultName(method);

        // A [Task] on an interface's instance method declares a contract task: its code is in a [TaskImplementation].
        bool contract = ContractRules.IsContractMethod(method);
        if (!method.IsStatic && !contract)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustBeStatic, identifier, display));
        }

        if (method.IsGenericMethod)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustNotBeGeneric, identifier, display, "is generic"));
        }
        else if (TaskShape.GenericContainer(method) is { } generic)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustNotBeGeneric, identifier, display, $"is declared in the generic type '{generic.ToDisplayString()}'"));
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            Location location = declaration?.ReturnType is RefTypeSyntax refType ? refType.GetLocation() : identifier;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustNotReturnByRef, location, display));
        }

        if (TaskShape.Unreachable(method) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustBeReachable, identifier, display, reason));
        }

        if ((contract ? ContractRules.OuterNonClass(method) : TaskShape.NonClassContainer(method)) is { } container)
        {
            string kind = container.TypeKind == TypeKind.Interface ? "the interface" : "the " + container.TypeKind.ToString().ToLowerInvariant();
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskMustBeInClassOrStruct, identifier, display, kind, container.ToDisplayString()));
        }

        if (IsUnsupportedAwaitable(method.ReturnType, known))
        {
            Location location = declaration?.ReturnType.GetLocation() ?? identifier;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, location, display, method.ReturnType.ToDisplayString()));
        }

        AnalyzeParameters(context, method, known, display);

        string? explicitName = TaskNames.NamedString(attribute, "Name");
        ExpressionSyntax? nameSyntax = TaskSyntax.NamedArgumentSyntax(attribute, "Name", cancellationToken);
        if (explicitName is not null && string.IsNullOrWhiteSpace(explicitName))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EmptyTaskName, nameSyntax?.GetLocation() ?? identifier, display, display));
        }
        else
        {
            tasks.Add((TaskNames.WireName(method, attribute), method, explicitName is not null && nameSyntax is not null ? nameSyntax.GetLocation() : identifier));
        }

        foreach (ISymbol sibling in method.ContainingType.GetMembers(method.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(sibling, method) && sibling is IMethodSymbol other && known.GetTaskAttribute(other) is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.OverloadedTask, identifier, method.ContainingType.ToDisplayString(), method.Name));
                break;
            }
        }
    }

    /// <summary>A parameter's syntax, looked up only for a diagnostic: most parameters have none.</summary>
    private static ParameterSyntax? Syntax(IParameterSymbol parameter, CancellationToken cancellationToken) =>
        parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as ParameterSyntax;

    private static void AnalyzeParameters(SymbolAnalysisContext context, IMethodSymbol method, KnownSymbols known, string display)
    {
        bool hasToken = false, hasContext = false;
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                ParameterSyntax? syntax = Syntax(parameter, context.CancellationToken);
                Location location = syntax is not null ? ModifierLocation(syntax) : parameter.Locations[0];
                string modifier = syntax is null ? parameter.RefKind.ToString().ToLowerInvariant() : string.Join(" ", syntax.Modifiers.Where(IsRefModifier).Select(m => m.Text));
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ParameterMustBeByValue, location, parameter.Name, display, modifier));
                continue;
            }

            if (TaskNames.IsFromServices(parameter))
            {
                // A contract takes no services at all: TG0606 says so.
                if (!ContractRules.IsContractMethod(method) && TaskNames.WhyServiceCannotBeResolved(parameter) is { } why)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnresolvableService, Syntax(parameter, context.CancellationToken)?.GetLocation() ?? parameter.Locations[0], parameter.Name, display, why));
                }

                continue;
            }

            InjectedRole role = TaskShape.InjectedRoleOf(parameter);
            if (role == InjectedRole.None)
            {
                continue;
            }

            bool isToken = role == InjectedRole.CancellationToken;

            ref bool seen = ref isToken ? ref hasToken : ref hasContext;
            if (seen)
            {
                Location location = Syntax(parameter, context.CancellationToken)?.Type?.GetLocation() ?? parameter.Locations[0];
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InjectedParameterTwice, location, display, isToken ? "CancellationToken" : "TaskContext", parameter.Name));
            }

            seen = true;
        }
    }

    private static void ReportDuplicates(CompilationAnalysisContext context, KnownSymbols known, ConcurrentBag<(string Name, IMethodSymbol Method, Location Location)> tasks)
    {
        if (tasks.IsEmpty)
        {
            return;
        }

        var referenced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (IAssemblySymbol assembly in TaskAssemblies.Referenced(context.Compilation, known.TaskAttribute))
        {
            TaskAssemblies.CollectTasks(assembly, known, referenced, context.CancellationToken);
        }

        foreach (IGrouping<string, (string Name, IMethodSymbol Method, Location Location)> group in tasks.GroupBy(t => t.Name, StringComparer.Ordinal))
        {
            var members = group.OrderBy(t => t.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(t => t.Location.SourceSpan.Start).ToList();
            foreach ((string name, IMethodSymbol method, Location location) in members)
            {
                // Overloads clash on their stub first; TG0011 says so, and one diagnostic is enough.
                var others = members
                    .Where(o => !SymbolEqualityComparer.Default.Equals(o.Method, method)
                        && !(o.Method.Name == method.Name && SymbolEqualityComparer.Default.Equals(o.Method.ContainingType, method.ContainingType)))
                    .Select(o => $"'{TaskNames.DefaultName(o.Method)}'")
                    .ToList();
                if (referenced.TryGetValue(name, out string? external))
                {
                    others.Add(external);
                }

                if (others.Count > 0)
                {
                    string what = others.Count == 1 ? "task " + others[0] : "tasks " + string.Join(", ", others);
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateTaskName, location, name, what));
                }
            }
        }
    }

    /// <summary>
    /// True for an awaitable or async stream other than the four task types the generator unwraps; any
    /// other type is a plain result that the serialization rules judge.
    /// </summary>
    internal static bool IsUnsupportedAwaitable(ITypeSymbol type, KnownSymbols known)
    {
        if (type.SpecialType == SpecialType.System_Void || type is not INamedTypeSymbol named)
        {
            return false;
        }

        INamedTypeSymbol definition = named.OriginalDefinition;
        if (KnownSymbols.Is(definition, known.Task) || KnownSymbols.Is(definition, known.TaskOfT)
            || KnownSymbols.Is(definition, known.ValueTask) || KnownSymbols.Is(definition, known.ValueTaskOfT))
        {
            return false;
        }

        if (KnownSymbols.Is(definition, known.IAsyncEnumerable) || KnownSymbols.Is(definition, known.IAsyncEnumerator))
        {
            return true;
        }

        for (ITypeSymbol? current = named; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers("GetAwaiter"))
            {
                if (member is IMethodSymbol { IsStatic: false, Parameters.Length: 0 })
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsRefModifier(SyntaxToken token) =>
        token.IsKind(SyntaxKind.RefKeyword) || token.IsKind(SyntaxKind.OutKeyword) || token.IsKind(SyntaxKind.InKeyword) || token.IsKind(SyntaxKind.ReadOnlyKeyword);

    private static Location ModifierLocation(ParameterSyntax syntax)
    {
        var modifiers = syntax.Modifiers.Where(IsRefModifier).ToList();
        if (modifiers.Count == 0)
        {
            return syntax.GetLocation();
        }

        return Location.Create(syntax.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(modifiers[0].SpanStart, modifiers[modifiers.Count - 1].Span.End));
    }
}
