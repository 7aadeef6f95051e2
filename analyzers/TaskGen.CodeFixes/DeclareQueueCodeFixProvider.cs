using System.Collections.Immutable;
using System.Linq;
using System.Composition;
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

/// <summary>Declares a missing queue by adding <c>[assembly: TaskQueue("x")]</c> to the file, after its usings.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclareQueueCodeFixProvider)), Shared]
public sealed class DeclareQueueCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TaskQueueUndeclared.Id,
        DiagnosticDescriptors.CallQueueUndeclared.Id,
        DiagnosticDescriptors.RoutingKeyUndeclared.Id,
        DiagnosticDescriptors.WorkerQueueUndeclared.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.TryGetValue(QueueAnalyzer.QueueProperty, out string? queue) && queue is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Declare queue '{queue}'",
                        cancellationToken => DeclareAsync(context.Document, queue, cancellationToken),
                        equivalenceKey: "DeclareQueue:" + queue),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    private static async Task<Document> DeclareAsync(Document document, string queue, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not CompilationUnitSyntax root)
        {
            return document;
        }

        SyntaxTrivia endOfLine = Trivia.EndOfLine(root);
        AttributeListSyntax declaration = SyntaxFactory.AttributeList(
                SyntaxFactory.AttributeTargetSpecifier(SyntaxFactory.Token(SyntaxKind.AssemblyKeyword), SyntaxFactory.Token(SyntaxKind.ColonToken).WithTrailingTrivia(SyntaxFactory.Space)),
                SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.Attribute(
                        SyntaxFactory.ParseName("global::TaskGen.TaskQueue").WithAdditionalAnnotations(Simplifier.Annotation),
                        SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                            SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(queue))))))))
            .WithTrailingTrivia(endOfLine);

        // The first declaration of a file stands apart from the usings above it and the code below it.
        if (root.AttributeLists.Count == 0)
        {
            if (root.Usings.Count > 0 || root.Externs.Count > 0)
            {
                declaration = declaration.WithLeadingTrivia(endOfLine);
            }

            SyntaxToken next = root.Members.FirstOrDefault()?.GetFirstToken() ?? root.EndOfFileToken;
            if (!next.LeadingTrivia.FirstOrDefault().IsKind(SyntaxKind.EndOfLineTrivia) && !next.IsKind(SyntaxKind.EndOfFileToken))
            {
                declaration = declaration.WithTrailingTrivia(endOfLine, endOfLine);
            }
        }

        CompilationUnitSyntax updated = root.AddAttributeLists(declaration);
        return document.WithSyntaxRoot(updated);
    }
}
