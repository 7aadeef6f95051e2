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
using TaskGen.Analyzers;

namespace TaskGen.CodeFixes;

/// <summary>Removes <c>ref</c>, <c>out</c>, <c>in</c> (and <c>ref readonly</c>, <c>scoped</c>) from a task parameter.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveRefModifierCodeFixProvider)), Shared]
public sealed class RemoveRefModifierCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ParameterMustBeByValue.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent is ParameterSyntax parameter)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Pass the parameter by value", cancellationToken => RemoveAsync(context.Document, parameter, cancellationToken), equivalenceKey: "RemoveRefModifier"),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> RemoveAsync(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || parameter.Type is null)
        {
            return document;
        }

        SyntaxTokenList kept = SyntaxFactory.TokenList(parameter.Modifiers.Where(m => !IsReferenceModifier(m)));
        ParameterSyntax updated = parameter.WithModifiers(kept);
        if (kept.Count == 0)
        {
            // The modifiers carried the parameter's leading trivia; keep it on the type that now starts it.
            updated = updated.WithType(parameter.Type.WithLeadingTrivia(parameter.GetLeadingTrivia()));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(parameter, updated));
    }

    private static bool IsReferenceModifier(SyntaxToken token) =>
        token.IsKind(SyntaxKind.RefKeyword) || token.IsKind(SyntaxKind.OutKeyword) || token.IsKind(SyntaxKind.InKeyword)
        || token.IsKind(SyntaxKind.ReadOnlyKeyword) || token.IsKind(SyntaxKind.ScopedKeyword);
}
