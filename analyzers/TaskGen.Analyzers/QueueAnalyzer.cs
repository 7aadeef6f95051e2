using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports routing that cannot reach a worker: queues no assembly declares (on tasks and at call sites),
/// queues declared with two kinds, invalid names, and single results read from broadcast queues.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class QueueAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property holding the queue name, for the code fixes.</summary>
    public const string QueueProperty = "Queue";

    /// <summary>The diagnostic property holding the generated constant that names the queue.</summary>
    public const string ConstantProperty = "Constant";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TaskQueueUndeclared,
        DiagnosticDescriptors.CallQueueUndeclared,
        DiagnosticDescriptors.RoutingKeyUndeclared,
        DiagnosticDescriptors.QueueKindConflict,
        DiagnosticDescriptors.InvalidQueueName,
        DiagnosticDescriptors.SingleResultFromBroadcast,
        DiagnosticDescriptors.BroadcastToDirectQueue,
        DiagnosticDescriptors.GeneratedQueueInAttribute,
        DiagnosticDescriptors.UseQueuesConstant,
        DiagnosticDescriptors.BroadcastQuorumQueue,
        DiagnosticDescriptors.WorkerQueueUndeclared);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownSymbols.Create(start.Compilation) is not { } known || known.TaskQueueAttribute is null)
            {
                return;
            }

            var catalog = new Lazy<QueueCatalog>(() => QueueCatalog.Create(known), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterSyntaxNodeAction(node => AnalyzeAttribute(node, known, catalog), SyntaxKind.Attribute);
            if (known.TaskOptions is not null)
            {
                start.RegisterOperationAction(operation => AnalyzeAssignment(operation, known, catalog), OperationKind.SimpleAssignment);
                start.RegisterOperationAction(operation => AnalyzeInvocation(operation, known, catalog), OperationKind.Invocation);
            }
        });
    }

    private static void AnalyzeAttribute(SyntaxNodeAnalysisContext context, KnownSymbols known, Lazy<QueueCatalog> catalog)
    {
        var attribute = (AttributeSyntax)context.Node;
        string name = attribute.Name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => string.Empty,
        };

        // A syntax-only filter first: most attributes in a program are not TaskGen's.
        if (name is not ("Task" or "TaskAttribute" or "TaskQueue" or "TaskQueueAttribute") || attribute.ArgumentList is null)
        {
            return;
        }

        // A [Task] on a method is found among the method's attributes, which the compiler binds once for every analyzer,
        // instead of binding this attribute's syntax again.
        if (name is "Task" or "TaskAttribute" && attribute.Parent?.Parent is MethodDeclarationSyntax declaration
            && context.SemanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is { } method)
        {
            foreach (AttributeData data in method.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, known.TaskAttribute)
                    && data.ApplicationSyntaxReference is { } reference && reference.SyntaxTree == attribute.SyntaxTree && reference.Span == attribute.Span)
                {
                    AnalyzeTaskAttribute(context, attribute, known, catalog);
                    return;
                }
            }

            return;
        }

        INamedTypeSymbol? type = (context.SemanticModel.GetSymbolInfo(attribute, context.CancellationToken).Symbol as IMethodSymbol)?.ContainingType;
        if (SymbolEqualityComparer.Default.Equals(type, known.TaskAttribute))
        {
            AnalyzeTaskAttribute(context, attribute, known, catalog);
        }
        else if (SymbolEqualityComparer.Default.Equals(type, known.TaskQueueAttribute))
        {
            AnalyzeQueueDeclaration(context, attribute, catalog);
        }
    }

    private static void AnalyzeTaskAttribute(SyntaxNodeAnalysisContext context, AttributeSyntax attribute, KnownSymbols known, Lazy<QueueCatalog> catalog)
    {
        AttributeArgumentSyntax? queueArgument = null;
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList!.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == "Queue")
            {
                queueArgument = argument;
            }
        }

        if (queueArgument is null || context.SemanticModel.GetConstantValue(queueArgument.Expression, context.CancellationToken) is not { HasValue: true, Value: string queue })
        {
            return;
        }

        // The task's name is only for messages, so it is worked out only for one.
        string Task() => attribute.Parent?.Parent is MethodDeclarationSyntax method && context.SemanticModel.GetDeclaredSymbol(method, context.CancellationToken) is { } symbol
            ? TaskNames.DefaultName(symbol)
            : "?";
        Location location = queueArgument.Expression.GetLocation();

        // The generator reads this attribute before its own output exists, so a generated constant is null to it.
        if (queueArgument.Expression is not LiteralExpressionSyntax
            && context.SemanticModel.GetSymbolInfo(queueArgument.Expression, context.CancellationToken).Symbol is IFieldSymbol field
            && known.IsGeneratedByTaskGen(field.ContainingType))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratedQueueInAttribute, location, Task(), field.ContainingType.Name + "." + field.Name, queue));
            return;
        }

        if (QueueNames.Invalid(queue) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidQueueName, location, queue, reason));
        }
        else if (catalog.Value.Find(queue) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskQueueUndeclared, location, Properties(queue), Task(), queue));
        }
    }

    private static void AnalyzeQueueDeclaration(SyntaxNodeAnalysisContext context, AttributeSyntax attribute, Lazy<QueueCatalog> catalog)
    {
        bool broadcast = false;
        int type = 0;
        ExpressionSyntax? nameExpression = null;
        ExpressionSyntax? typeExpression = null;
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList!.Arguments)
        {
            if (argument.NameEquals is null && argument.NameColon is null or { Name.Identifier.ValueText: "name" })
            {
                nameExpression ??= argument.Expression;
            }
            else if (argument.NameEquals?.Name.Identifier.ValueText == "Broadcast")
            {
                broadcast = context.SemanticModel.GetConstantValue(argument.Expression, context.CancellationToken) is { HasValue: true, Value: true };
            }
            else if (argument.NameEquals?.Name.Identifier.ValueText == "Type")
            {
                typeExpression = argument.Expression;
                type = context.SemanticModel.GetConstantValue(argument.Expression, context.CancellationToken) is { HasValue: true, Value: int value } ? value : 0;
            }
        }

        if (nameExpression is null || context.SemanticModel.GetConstantValue(nameExpression, context.CancellationToken) is not { HasValue: true, Value: string queue })
        {
            return;
        }

        Location location = nameExpression.GetLocation();
        if (QueueNames.Invalid(queue) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidQueueName, location, queue, reason));
            return;
        }

        if (broadcast && type == QueueNames.QuorumType)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BroadcastQuorumQueue, typeExpression!.GetLocation(), queue));
            return;
        }

        if (!broadcast && type != 0 && catalog.Value.Find(queue) is { ClassicWhere: not null, QuorumWhere: not null } typed)
        {
            bool quorum = type == QueueNames.QuorumType;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.QueueKindConflict,
                location,
                queue,
                quorum ? "as a quorum queue" : "as a classic queue",
                quorum ? "as a classic queue" : "as a quorum queue",
                quorum ? typed.ClassicWhere : typed.QuorumWhere));
        }

        if (catalog.Value.Find(queue) is { Direct: true, Broadcast: true } declarations)
        {
            string? other = broadcast ? declarations.DirectWhere : declarations.BroadcastWhere;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.QueueKindConflict,
                location,
                queue,
                broadcast ? "as a broadcast queue" : "as a direct queue",
                broadcast ? "as a direct queue" : "as a broadcast queue",
                other));
        }
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, KnownSymbols known, Lazy<QueueCatalog> catalog)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is IPropertyReferenceOperation { Property: { Name: "Queues" } queues }
            && SymbolEqualityComparer.Default.Equals(queues.ContainingType, known.WorkerOptions))
        {
            AnalyzeWorkerQueues(context, assignment.Value, catalog);
            return;
        }

        // A schedule entry's queue is a call's queue: the scheduler sends every run there.
        if (assignment.Target is not IPropertyReferenceOperation { Property: { } property }
            || !(SymbolEqualityComparer.Default.Equals(property.ContainingType, known.TaskOptions)
                || (property.Name == "Queue" && SymbolEqualityComparer.Default.Equals(property.ContainingType, known.ScheduleEntryOptions)))
            || assignment.Value.ConstantValue is not { HasValue: true, Value: string value })
        {
            return;
        }

        Location location = assignment.Value.Syntax.GetLocation();
        if (property.Name == "Queue")
        {
            if (QueueNames.Invalid(value) is { } reason)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidQueueName, location, value, reason));
            }
            else if (catalog.Value.Find(value) is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CallQueueUndeclared, location, Properties(value), value));
            }
            else if (assignment.Value.Syntax is LiteralExpressionSyntax && catalog.Value.Constant(value) is { } constant)
            {
                ImmutableDictionary<string, string?> properties = Properties(value).Add(ConstantProperty, constant);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UseQueuesConstant, location, properties, value, constant.Substring("global::".Length)));
            }
        }
        else if (property.Name == "RoutingKey" && value.Length > 0 && catalog.Value.Find(value) is null && UsesDefaultExchange(assignment))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RoutingKeyUndeclared, location, Properties(value), value));
        }
    }

    /// <summary>
    /// Checks the constant names of a <c>WorkerOptions.Queues = [...]</c> (a collection expression, an array or a list
    /// initializer): the worker refuses at start a queue no assembly declares, so the build says so first.
    /// </summary>
    private static void AnalyzeWorkerQueues(OperationAnalysisContext context, IOperation value, Lazy<QueueCatalog> catalog)
    {
        SyntaxNode syntax = value.Syntax;
        IEnumerable<ExpressionSyntax> elements = syntax switch
        {
            CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression),
            ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
            ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
            BaseObjectCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
            _ => Enumerable.Empty<ExpressionSyntax>(),
        };
        SemanticModel? model = value.SemanticModel;
        foreach (ExpressionSyntax element in elements)
        {
            if (model?.GetConstantValue(element, context.CancellationToken) is { HasValue: true, Value: string queue })
            {
                ReportWorkerQueue(context, element.GetLocation(), queue, catalog);
            }
        }
    }

    private static void ReportWorkerQueue(OperationAnalysisContext context, Location location, string queue, Lazy<QueueCatalog> catalog)
    {
        if (QueueNames.Invalid(queue) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidQueueName, location, queue, reason));
        }
        else if (catalog.Value.Find(queue) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WorkerQueueUndeclared, location, Properties(queue), queue));
        }
    }

    /// <summary>True when the routing key is set in an initializer that leaves the exchange at the default; elsewhere the exchange is unknown.</summary>
    private static bool UsesDefaultExchange(ISimpleAssignmentOperation routingKey)
    {
        if (routingKey.Parent is not IObjectOrCollectionInitializerOperation initializer)
        {
            return false;
        }

        foreach (IOperation sibling in initializer.Initializers)
        {
            if (sibling is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Exchange" } } exchange
                && exchange.Value.ConstantValue is not { HasValue: true, Value: null or "" })
            {
                return false;
            }
        }

        return true;
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownSymbols known, Lazy<QueueCatalog> catalog)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation is { TargetMethod.Name: "Add", Instance: IPropertyReferenceOperation { Property.Name: "Queues" } list, Arguments.Length: 1 }
            && SymbolEqualityComparer.Default.Equals(list.Property.ContainingType, known.WorkerOptions))
        {
            if (invocation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string added })
            {
                ReportWorkerQueue(context, invocation.Arguments[0].Value.Syntax.GetLocation(), added, catalog);
            }

            return;
        }

        ITypeSymbol returned = Unwrap(invocation.TargetMethod.ReturnType, known, out bool isTask);
        bool single = KnownSymbols.Is(returned, known.AsyncResult) || KnownSymbols.Is(returned, known.AsyncResultOfT);
        bool broadcast = KnownSymbols.Is(returned, known.BroadcastResult) || KnownSymbols.Is(returned, known.BroadcastResultOfT);
        if ((!single && !broadcast) || OptionsQueue(invocation, known, depth: 0) is not { } queueValue
            || queueValue.ConstantValue.Value is not string queue
            || catalog.Value.Find(queue) is not { } declarations)
        {
            return;
        }

        Location location = queueValue.Syntax.GetLocation();
        if (single && declarations.Broadcast && IsResultAwaited(invocation, isTask))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SingleResultFromBroadcast, location, queue));
        }
        else if (broadcast && !declarations.Broadcast)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BroadcastToDirectQueue, location, queue));
        }
    }

    private static ITypeSymbol Unwrap(ITypeSymbol type, KnownSymbols known, out bool isTask)
    {
        isTask = type is INamedTypeSymbol named && (KnownSymbols.Is(named, known.TaskOfT) || KnownSymbols.Is(named, known.ValueTaskOfT));
        return isTask ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
    }

    /// <summary>The constant queue set by a <c>new TaskOptions { Queue = ... }</c> passed to the call, or to the signature it sends.</summary>
    private static IOperation? OptionsQueue(IInvocationOperation invocation, KnownSymbols known, int depth)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            IOperation value = SkipConversions(argument.Value);
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, known.TaskOptions)
                && value is IObjectCreationOperation { Initializer: { } initializer })
            {
                foreach (IOperation member in initializer.Initializers)
                {
                    if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Queue" } } queue
                        && queue.Value.ConstantValue is { HasValue: true, Value: string })
                    {
                        return queue.Value;
                    }
                }
            }
            else if (depth == 0 && value is IInvocationOperation inner && IsSignature(inner.TargetMethod.ReturnType, known))
            {
                if (OptionsQueue(inner, known, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }

    private static bool IsSignature(ITypeSymbol type, KnownSymbols known)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, known.Signature))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the single result the call produces is awaited or read with GetAsync, directly or through a local.</summary>
    private static bool IsResultAwaited(IInvocationOperation invocation, bool isTask)
    {
        IOperation current = Climb(invocation);
        if (isTask)
        {
            if (current.Parent is not IAwaitOperation awaitSend)
            {
                return false;
            }

            current = Climb(awaitSend);
        }

        if (IsWaitedOn(current))
        {
            return true;
        }

        ILocalSymbol? local = current.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
            _ => null,
        };
        if (local is null)
        {
            return false;
        }

        IOperation root = current;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (IOperation descendant in root.Descendants())
        {
            if (descendant is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local) && IsWaitedOn(Climb(reference)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWaitedOn(IOperation value) => value.Parent switch
    {
        IAwaitOperation => true,
        IInvocationOperation { TargetMethod.Name: "GetAsync" } call => call.Instance is not null && SkipConversions(call.Instance) == SkipConversions(value),
        _ => false,
    };

    private static IOperation Climb(IOperation operation)
    {
        while (operation.Parent is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    private static IOperation SkipConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private static ImmutableDictionary<string, string?> Properties(string queue) =>
        ImmutableDictionary<string, string?>.Empty.Add(QueueProperty, queue);
}
