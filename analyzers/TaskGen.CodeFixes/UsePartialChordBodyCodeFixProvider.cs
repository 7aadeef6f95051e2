using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskGen.Analyzers;

namespace TaskGen.CodeFixes;

/// <summary>
/// Turns an immutable chord body, <c>X.Signature(first, rest...)</c>, into <c>X.Partial(rest...)</c>, so that the header's
/// results fill the first argument. Offered only when the first argument is written by position, so nothing else moves.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UsePartialChordBodyCodeFixProvider)), Shared]
public sealed class UsePartialChordBodyCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ChordBodyDropsHeaderResults.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax
                {
                    Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax { Identifier.ValueText: "Signature" } },
                    ArgumentList.Arguments: { Count: > 0 } arguments,
                } body
                && arguments[0].NameColon is null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Take the header's results (use Partial)", cancellationToken => ReplaceAsync(context.Document, body, cancellationToken), equivalenceKey: "UsePartialChordBody"),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, InvocationExpressionSyntax body, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var access = (MemberAccessExpressionSyntax)body.Expression;
        IdentifierNameSyntax partial = SyntaxFactory.IdentifierName("Partial").WithTriviaFrom(access.Name);
        InvocationExpressionSyntax updated = body
            .WithExpression(access.WithName(partial))
            .WithArgumentList(body.ArgumentList.WithArguments(body.ArgumentList.Arguments.RemoveAt(0)));
        return document.WithSyntaxRoot(root.ReplaceNode(body, updated));
    }
}
