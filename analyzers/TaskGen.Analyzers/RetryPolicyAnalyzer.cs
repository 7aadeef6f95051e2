using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskGen.Analyzers.Helpers;
using TaskGen.Common;

namespace TaskGen.Analyzers;

/// <summary>
/// Reports a <c>[Task]</c> failure policy that cannot work: retry types that are not exceptions, retry counts and
/// delays out of range, rate limits that do not parse, and retry settings on a task no worker retries.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RetryPolicyAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] s_retrySettings =
    {
        "MaxRetries", "RetryFor", "RetryBackoff", "RetryBackoffMax", "RetryJitter", "DefaultRetryDelay",
    };

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RetryForNotAnException,
        DiagnosticDescriptors.RetrySettingOutOfRange,
        DiagnosticDescriptors.RateLimitDoesNotParse,
        DiagnosticDescriptors.RetryOnBroadcastTask);

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

            // Only a task that sets Queue and a retry setting needs the catalog, so most compilations never build it.
            Lazy<QueueCatalog>? catalog = known.TaskQueueAttribute is null
                ? null
                : new Lazy<QueueCatalog>(() => QueueCatalog.Create(known), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterSyntaxNodeAction(node => AnalyzeAttribute(node, known, catalog), SyntaxKind.Attribute);
        });
    }

    private static void AnalyzeAttribute(SyntaxNodeAnalysisContext context, KnownSymbols known, Lazy<QueueCatalog>? catalog)
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
        if (name is not ("Task" or "TaskAttribute") || attribute.ArgumentList is null)
        {
            return;
        }

        SemanticModel model = context.SemanticModel;
        CancellationToken cancellationToken = context.CancellationToken;
        if (!SymbolEqualityComparer.Default.Equals((model.GetSymbolInfo(attribute, cancellationToken).Symbol as IMethodSymbol)?.ContainingType, known.TaskAttribute))
        {
            return;
        }

        ExpressionSyntax? queue = null;
        var retrySettings = new List<AttributeArgumentSyntax>();
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList.Arguments)
        {
            string? setting = argument.NameEquals?.Name.Identifier.ValueText;
            if (setting is null)
            {
                continue;
            }

            if (Array.IndexOf(s_retrySettings, setting) >= 0)
            {
                retrySettings.Add(argument);
            }

            switch (setting)
            {
                case "Queue":
                    queue = argument.Expression;
                    break;
                case "RetryFor":
                    AnalyzeRetryFor(context, argument.Expression, known);
                    break;
                case "MaxRetries":
                    if (Number(model, argument.Expression, cancellationToken) is { } retries && retries < 0)
                    {
                        Report(context, argument.Expression, setting, retries, "a task cannot be retried fewer than zero times, so give zero (never retry) or more, or leave MaxRetries unset for 3");
                    }

                    break;
                case "RetryBackoff" or "RetryBackoffMax" or "DefaultRetryDelay":
                    if (Number(model, argument.Expression, cancellationToken) is { } seconds && !(seconds > 0 && !double.IsInfinity(seconds)))
                    {
                        Report(context, argument.Expression, setting, seconds, $"a delay is a positive, finite number of seconds, so give one, or leave {setting} unset {Unset(setting)}");
                    }

                    break;
                case "RateLimit":
                    if (model.GetConstantValue(argument.Expression, cancellationToken) is { HasValue: true, Value: string rate } && !IsRate(rate))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RateLimitDoesNotParse, argument.Expression.GetLocation(), rate));
                    }

                    break;
            }
        }

        if (retrySettings.Count > 0 && queue is not null && catalog is not null
            && model.GetConstantValue(queue, cancellationToken) is { HasValue: true, Value: string queueName }
            && catalog.Value.Find(queueName) is { Broadcast: true })
        {
            string task = attribute.Parent?.Parent is MethodDeclarationSyntax method && model.GetDeclaredSymbol(method, cancellationToken) is { } symbol
                ? TaskNames.DefaultName(symbol)
                : "?";
            var written = new List<string>(retrySettings.Count);
            foreach (AttributeArgumentSyntax argument in retrySettings)
            {
                written.Add(argument.NameEquals!.Name.Identifier.ValueText);
            }

            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetryOnBroadcastTask, retrySettings[0].GetLocation(), task, queueName, string.Join(", ", written)));
        }
    }

    private static void AnalyzeRetryFor(SyntaxNodeAnalysisContext context, ExpressionSyntax value, KnownSymbols known)
    {
        if (known.Exception is null)
        {
            return;
        }

        // Every typeof in the value is a listed type, whether it is written as new[] { ... }, new Type[] { ... } or [ ... ].
        foreach (SyntaxNode node in value.DescendantNodesAndSelf())
        {
            if (node is TypeOfExpressionSyntax typeOf
                && context.SemanticModel.GetTypeInfo(typeOf.Type, context.CancellationToken).Type is { TypeKind: not TypeKind.Error } type
                && !DerivesFrom(type, known.Exception))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetryForNotAnException, typeOf.GetLocation(), type.ToDisplayString()));
            }
        }
    }

    /// <summary>
    /// Whether TaskGen's <c>TaskPolicy.ParseRate</c> reads the text, by the same rule: a positive, finite number
    /// with an optional <c>/s</c>, <c>/m</c> or <c>/h</c>, a bare number being per second.
    /// </summary>
    internal static bool IsRate(string text)
    {
        string trimmed = text.Trim();
        int slash = trimmed.IndexOf('/');
        string number = slash < 0 ? trimmed : trimmed.Substring(0, slash).Trim();
        string unit = slash < 0 ? "s" : trimmed.Substring(slash + 1).Trim();
        return unit is "s" or "m" or "h"
            && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double runs)
            && runs > 0 && !double.IsInfinity(runs);
    }

    private static double? Number(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken) =>
        model.GetConstantValue(expression, cancellationToken) is { HasValue: true, Value: IConvertible value and not (string or bool or char) }
            ? value.ToDouble(CultureInfo.InvariantCulture)
            : null;

    private static void Report(SyntaxNodeAnalysisContext context, ExpressionSyntax expression, string setting, double value, string valid) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetrySettingOutOfRange, expression.GetLocation(), setting, value.ToString("R", CultureInfo.InvariantCulture), valid));

    private static string Unset(string setting) => setting switch
    {
        "RetryBackoff" => "for a fixed DefaultRetryDelay between retries",
        "RetryBackoffMax" => "for 600 seconds",
        _ => "for 180 seconds",
    };

    private static bool DerivesFrom(ITypeSymbol type, INamedTypeSymbol baseType)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }
}
