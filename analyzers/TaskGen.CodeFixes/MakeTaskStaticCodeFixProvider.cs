using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using TaskGen.Analyzers;

namespace TaskGen.CodeFixes;

/// <summary>Makes an instance <c>[Task]</c> method static, the one shape a worker can call.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTaskStaticCodeFixProvider)), Shared]
public sealed class MakeTaskStaticCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.TaskMustBeStatic.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent is MethodDeclarationSyntax method)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Make the task method static", cancellationToken => MakeStaticAsync(context.Document, method, cancellationToken), equivalenceKey: "MakeTaskStatic"),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> MakeStaticAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        SyntaxGenerator generator = editor.Generator;
        editor.ReplaceNode(method, generator.WithModifiers(method, generator.GetModifiers(method).WithIsStatic(true)));
        return editor.GetChangedDocument();
    }
}
