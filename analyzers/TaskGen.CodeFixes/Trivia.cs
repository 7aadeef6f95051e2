using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskGen.CodeFixes;

/// <summary>Line endings and indentation taken from the file being edited, so that a fix reads like the code around it.</summary>
internal static class Trivia
{
    public static SyntaxTrivia EndOfLine(SyntaxNode root) =>
        root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { } found && found.IsKind(SyntaxKind.EndOfLineTrivia)
            ? found
            : SyntaxFactory.EndOfLine("\n");

    /// <summary>The whitespace that indents the line a token starts.</summary>
    public static SyntaxTriviaList Indentation(SyntaxToken token)
    {
        SyntaxTriviaList leading = token.LeadingTrivia;
        int start = leading.Count;
        while (start > 0 && leading[start - 1].IsKind(SyntaxKind.WhitespaceTrivia))
        {
            start--;
        }

        return SyntaxFactory.TriviaList(leading.Skip(start));
    }
}
