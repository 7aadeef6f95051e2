using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using TaskGen.Analyzers;

namespace TaskGen.CodeFixes;

/// <summary>
/// Creates the assembly's JSON context for a record or class a task takes or returns: a new file with the
/// <c>JsonSerializerContext</c> covering the type and the <c>[assembly: TaskJsonContext]</c> attribute that names it.
/// Later types then get TG0108, whose fix adds them to the same context.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CreateJsonContextCodeFixProvider)), Shared]
public sealed class CreateJsonContextCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.NoJsonContext.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is null || model is null
                || !diagnostic.Properties.TryGetValue(SerializationAnalyzer.TypeProperty, out string? typeName) || typeName is null)
            {
                continue;
            }

            // The context goes in the namespace of the task that needs it, which is where a reader looks for it.
            string? ns = root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();
            string contextName = FreeName(model.Compilation, ns, Identifier(ns?.Split('.').Last() ?? context.Document.Project.AssemblyName) + "JsonContext");
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Create JSON context '{contextName}' for {Short(typeName)}",
                    _ => Task.FromResult(Create(context.Document, ns, contextName, typeName)),
                    equivalenceKey: "CreateJsonContext"),
                diagnostic);
        }
    }

    private static Solution Create(Document document, string? ns, string contextName, string typeName)
    {
        bool fileScoped = document.Project.ParseOptions is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp10 };
        string qualified = ns is null ? contextName : ns + "." + contextName;
        string type = ns is not null && Short(typeName).StartsWith(ns + ".", System.StringComparison.Ordinal) && Short(typeName).IndexOf('.', ns.Length + 1) < 0
            ? Short(typeName).Substring(ns.Length + 1)
            : Short(typeName);
        var text = new StringBuilder()
            .Append("using System.Text.Json.Serialization;\n\n")
            .Append("[assembly: TaskGen.TaskJsonContext(typeof(").Append(qualified).Append("))]\n\n");
        string indent = string.Empty;
        if (ns is not null && fileScoped)
        {
            text.Append("namespace ").Append(ns).Append(";\n\n");
        }
        else if (ns is not null)
        {
            text.Append("namespace ").Append(ns).Append("\n{\n");
            indent = "    ";
        }

        text.Append(indent).Append("/// <summary>The JSON contracts of the records and classes this assembly's tasks take and return.</summary>\n")
            .Append(indent).Append("[JsonSerializable(typeof(").Append(type).Append("))]\n")
            .Append(indent).Append("internal sealed partial class ").Append(contextName).Append(" : JsonSerializerContext\n")
            .Append(indent).Append("{\n")
            .Append(indent).Append("}\n");
        if (ns is not null && !fileScoped)
        {
            text.Append("}\n");
        }

        return document.Project.AddDocument(contextName + ".cs", SourceText.From(text.ToString()), document.Folders).Project.Solution;
    }

    /// <summary>The name, or the name with a number after it, that no type in the namespace has yet.</summary>
    private static string FreeName(Compilation compilation, string? ns, string name)
    {
        string candidate = name;
        for (int n = 2; compilation.GetTypeByMetadataName(ns is null ? candidate : ns + "." + candidate) is not null; n++)
        {
            candidate = name + n;
        }

        return candidate;
    }

    private static string Identifier(string? name)
    {
        string cleaned = new((name ?? "Tasks").Where(c => char.IsLetterOrDigit(c) || c == '_').ToArray());
        return cleaned.Length == 0 || char.IsDigit(cleaned[0]) ? "Tasks" + cleaned : char.ToUpperInvariant(cleaned[0]) + cleaned.Substring(1);
    }

    private static string Short(string typeName) => typeName.StartsWith("global::", System.StringComparison.Ordinal) ? typeName.Substring("global::".Length) : typeName;
}
