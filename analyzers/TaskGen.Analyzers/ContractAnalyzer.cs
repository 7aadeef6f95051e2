using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports task contracts and their implementations that a worker could not run: a <c>[TaskImplementation]</c> that
/// names no contract task, differs from it in parameter or result types, cannot be called, or implements a task twice;
/// a bound contract with a task left unimplemented; and a service parameter declared on a contract.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractAnalyzer : DiagnosticAnalyzer
{
    private static readonly SymbolDisplayFormat s_short = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ContractTaskNotImplemented,
        DiagnosticDescriptors.ImplementationParametersDiffer,
        DiagnosticDescriptors.ImplementationResultDiffers,
        DiagnosticDescriptors.NotAContractTask,
        DiagnosticDescriptors.ContractTaskImplementedTwice,
        DiagnosticDescriptors.ServiceInContract,
        DiagnosticDescriptors.ImplementationNotCallable);

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

            // Null with a runtime that predates contracts: then only the contract side is checked.
            INamedTypeSymbol? implementation = start.Compilation.GetTypeByMetadataName(ContractRules.TaskImplementationAttribute);
            var bindings = new ConcurrentBag<Binding>();
            start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, known, implementation, bindings), SymbolKind.Method);
            if (implementation is not null)
            {
                start.RegisterSymbolAction(symbol => AnalyzeClass(symbol, implementation, bindings), SymbolKind.NamedType);
                start.RegisterCompilationEndAction(end => ReportBindings(end, bindings));
            }
        });
    }

    /// <summary>One contract task bound in this assembly, by what and where.</summary>
    private sealed class Binding(INamedTypeSymbol contract, IMethodSymbol task, string by, Location location)
    {
        public INamedTypeSymbol Contract { get; } = contract;

        public IMethodSymbol Task { get; } = task;

        /// <summary>What implements the task, for messages: <c>'Mail.Send'</c> or <c>class 'SmtpMail'</c>.</summary>
        public string By { get; } = by;

        public Location Location { get; } = location;
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols known, INamedTypeSymbol? implementation, ConcurrentBag<Binding> bindings)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary)
        {
            return;
        }

        if (ContractRules.IsContractMethod(method) && known.GetTaskAttribute(method) is not null)
        {
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (TaskNames.IsFromServices(parameter))
                {
                    Location location = parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken).GetLocation() ?? parameter.Locations[0];
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ServiceInContract, location, parameter.Name, TaskNames.DefaultName(method)));
                }
            }

            return;
        }

        if (implementation is null || Find(method, implementation) is not { } attribute)
        {
            return;
        }

        CancellationToken cancellationToken = context.CancellationToken;
        Location identifier = TaskSyntax.IdentifierLocation(method, cancellationToken);
        string display = method.ContainingType.ToDisplayString(s_short) + "." + method.Name;
        var arguments = (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax)?.ArgumentList?.Arguments;
        Location attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? identifier;
        (INamedTypeSymbol? contract, string? name) = ContractRules.Target(attribute);
        if (contract is null || name is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAContractTask, attributeLocation, $"[TaskImplementation] on the method '{display}' names no contract task; write [TaskImplementation(typeof(IContract), nameof(IContract.Method))]"));
            return;
        }

        if (!ContractRules.IsContract(contract))
        {
            Location location = arguments is { Count: > 0 } list ? list[0].GetLocation() : attributeLocation;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAContractTask, location, $"'{contract.ToDisplayString(s_short)}' is not a task contract"));
            return;
        }

        if (ContractRules.FindTask(contract, name) is not { } task)
        {
            Location location = arguments is { Count: > 1 } list ? list[1].GetLocation() : attributeLocation;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAContractTask, location, $"'{contract.ToDisplayString(s_short)}' has no task '{name}'"));
            return;
        }

        if (ContractRules.WhyNotCallable(method) is { } why)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ImplementationNotCallable, identifier, display, why));
            return;
        }

        bindings.Add(new Binding(contract, task, $"'{display}'", identifier));
        string taskName = TaskNames.DefaultName(task);
        if (!ContractRules.SameParameters(task, method))
        {
            MethodDeclarationSyntax? declaration = TaskSyntax.Declaration(method, cancellationToken);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ImplementationParametersDiffer, declaration?.ParameterList.GetLocation() ?? identifier, display, taskName, ContractRules.DescribeParameters(task), ContractRules.DescribeParameters(method)));
        }

        if (!ContractRules.SameType(ContractRules.ResultType(task), ContractRules.ResultType(method)))
        {
            MethodDeclarationSyntax? declaration = TaskSyntax.Declaration(method, cancellationToken);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ImplementationResultDiffers, declaration?.ReturnType.GetLocation() ?? identifier, display, taskName, ContractRules.DescribeResult(task), ContractRules.DescribeResult(method)));
        }
    }

    private static void AnalyzeClass(SymbolAnalysisContext context, INamedTypeSymbol implementation, ConcurrentBag<Binding> bindings)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (Find(type, implementation) is not { } attribute)
        {
            return;
        }

        Location location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? type.Locations[0];
        string display = type.ToDisplayString(s_short);
        if (attribute.ConstructorArguments.Length > 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAContractTask, location, $"[TaskImplementation] on the class '{display}' names a task; on a class write [TaskImplementation] alone, which binds every contract the class implements"));
            return;
        }

        string? why = type.TypeKind != TypeKind.Class ? "it is not a class; make it a class that implements the contract"
            : type.IsAbstract || type.IsStatic ? "it is abstract or static, and the host's services cannot create it; make it a concrete class"
            : type.IsGenericType ? "it is generic; a message names no type arguments"
            : null;
        if (why is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ImplementationNotCallable, type.Locations[0], display, why));
            return;
        }

        bool any = false;
        foreach (INamedTypeSymbol contract in ContractRules.ContractsOf(type))
        {
            foreach (IMethodSymbol task in ContractRules.TaskMethods(contract))
            {
                any = true;
                bindings.Add(new Binding(contract, task, $"class '{display}'", location));
            }
        }

        if (!any)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAContractTask, location, $"The class '{display}' implements no task contract; implement an interface whose methods are marked [Task], or remove [TaskImplementation]"));
        }
    }

    private static void ReportBindings(CompilationAnalysisContext context, ConcurrentBag<Binding> bindings)
    {
        if (bindings.IsEmpty)
        {
            return;
        }

        // In source order, so the first implementation keeps the task and each later one is reported, the same on every build.
        var ordered = bindings
            .OrderBy(b => b.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(b => b.Location.SourceSpan.Start)
            .ThenBy(b => b.Task.Name, StringComparer.Ordinal)
            .ToList();
        foreach (IGrouping<ISymbol?, Binding> group in ordered.GroupBy<Binding, ISymbol?>(b => b.Task, SymbolEqualityComparer.Default))
        {
            Binding first = group.First();
            foreach (Binding later in group.Skip(1))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContractTaskImplementedTwice, later.Location, TaskNames.DefaultName(later.Task), first.By));
            }
        }

        foreach (IGrouping<ISymbol?, Binding> contract in ordered.GroupBy<Binding, ISymbol?>(b => b.Contract, SymbolEqualityComparer.Default))
        {
            var bound = new HashSet<ISymbol?>(contract.Select(b => (ISymbol)b.Task), SymbolEqualityComparer.Default);
            Binding first = contract.First();
            foreach (IMethodSymbol task in ContractRules.TaskMethods(first.Contract))
            {
                if (!bound.Contains(task))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContractTaskNotImplemented, first.Location, first.Contract.ToDisplayString(s_short), task.Name));
                }
            }
        }
    }

    private static AttributeData? Find(ISymbol symbol, INamedTypeSymbol attributeType)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                return attribute;
            }
        }

        return null;
    }
}
