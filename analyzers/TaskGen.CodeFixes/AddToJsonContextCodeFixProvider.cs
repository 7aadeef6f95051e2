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

/// <summary>Adds <c>[JsonSerializable(typeof(T))]</c> to the app's JSON context class, when that class is in source.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddToJsonContextCodeFixProvider)), Shared]
public sealed class AddToJsonContextCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.TypeNotInJsonContext.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (model is null
                || !diagnostic.Properties.TryGetValue(SerializationAnalyzer.ContextProperty, out string? contextName)
                || !diagnostic.Properties.TryGetValue(SerializationAnalyzer.TypeProperty, out string? typeName)
                || contextName is null || typeName is null
                || model.Compilation.GetTypeByMetadataName(contextName) is not { } contextType)
            {
                continue;
            }

            SyntaxReference? declaration = contextType.DeclaringSyntaxReferences.FirstOrDefault();
            Document? target = declaration is null ? null : context.Document.Project.Solution.GetDocument(declaration.SyntaxTree);
            if (declaration is null || target is null)
            {
                continue; // The context comes from metadata: there is no source to edit.
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Add [JsonSerializable(typeof({Short(typeName)}))] to {contextType.Name}",
                    cancellationToken => AddAsync(target, declaration, typeName, cancellationToken),
                    equivalenceKey: "AddToJsonContext:" + typeName),
                diagnostic);
        }
    }

    private static string Short(string typeName) => typeName.StartsWith("global::", System.StringComparison.Ordinal) ? typeName.Substring("global::".Length) : typeName;

    private static async Task<Solution> AddAsync(Document document, SyntaxReference declaration, string typeName, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || root.FindNode(declaration.Span) is not TypeDeclarationSyntax type)
        {
            return document.Project.Solution;
        }

        SyntaxTrivia endOfLine = Trivia.EndOfLine(root);
        SyntaxToken first = type.Modifiers.Count > 0 ? type.Modifiers[0] : type.Keyword;
        SyntaxTriviaList indentation = Trivia.Indentation(first);
        AttributeListSyntax attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(
                    SyntaxFactory.ParseName("global::System.Text.Json.Serialization.JsonSerializable"),
                    SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.AttributeArgument(SyntaxFactory.TypeOfExpression(SyntaxFactory.ParseTypeName(typeName))))))))
            .WithAdditionalAnnotations(Simplifier.Annotation)
            .WithTrailingTrivia(endOfLine);

        TypeDeclarationSyntax updated;
        if (type.AttributeLists.Count > 0)
        {
            updated = type.WithAttributeLists(type.AttributeLists.Add(attribute.WithLeadingTrivia(indentation)));
        }
        else
        {
            // The first token carries the type's comments and indentation: they move to the new attribute, and the
            // keyword keeps only the indentation.
            updated = type.ReplaceToken(first, first.WithLeadingTrivia(indentation))
                .WithAttributeLists(SyntaxFactory.SingletonList(attribute.WithLeadingTrivia(first.LeadingTrivia)));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(type, updated)).Project.Solution;
    }
}
