using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using TaskGen.Analyzers;

namespace TaskGen.CodeFixes;

/// <summary>Replaces a queue name literal with the generated <c>Queues</c> constant, when the compilation has one.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseQueuesConstantCodeFixProvider)), Shared]
public sealed class UseQueuesConstantCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UseQueuesConstant.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not LiteralExpressionSyntax literal
                || literal.Token.Value is not string queue
                || !diagnostic.Properties.TryGetValue(QueueAnalyzer.ConstantProperty, out string? constant)
                || constant is null
                || model is null
                || !ConstantExists(model.Compilation, constant, queue))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use {constant.Substring("global::".Length)}",
                    cancellationToken => ReplaceAsync(context.Document, literal, constant, cancellationToken),
                    equivalenceKey: "UseQueuesConstant"),
                diagnostic);
        }
    }

    /// <summary>Looks the constant up again: the generated class may have changed since the diagnostic was computed.</summary>
    private static bool ConstantExists(Compilation compilation, string constant, string queue)
    {
        string name = constant.Substring("global::".Length);
        int dot = name.LastIndexOf('.');
        INamedTypeSymbol? type = compilation.GetTypeByMetadataName(name.Substring(0, dot));
        return type?.GetMembers(name.Substring(dot + 1)).OfType<IFieldSymbol>().Any(f => f.IsConst && Equals(f.ConstantValue, queue)) == true;
    }

    private static async Task<Document> ReplaceAsync(Document document, LiteralExpressionSyntax literal, string constant, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        ExpressionSyntax replacement = SyntaxFactory.ParseExpression(constant)
            .WithTriviaFrom(literal)
            .WithAdditionalAnnotations(Simplifier.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(literal, replacement));
    }
}
