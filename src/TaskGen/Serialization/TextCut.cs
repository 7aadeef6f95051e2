using System;

namespace TaskGen.Serialization;

/// <summary>
/// Cuts a task's text (arguments, a result, a traceback) to a length with a visible mark, never between the halves of a
/// surrogate pair: one rule for what the monitor keeps from events and what result history reads back.
/// </summary>
internal static class TextCut
{
    /// <summary>What a cut text ends with.</summary>
    public const string Mark = "…";

    /// <summary>Returns <paramref name="text"/> at most <paramref name="maxLength"/> characters long, ending with <see cref="Mark"/> when cut.</summary>
    /// <param name="text">The text, or null.</param>
    /// <param name="maxLength">The most characters kept, the mark included.</param>
    public static string? Cut(string? text, int maxLength)
    {
        if (text is null || text.Length <= maxLength)
        {
            return text;
        }

        int keep = Math.Max(0, maxLength - Mark.Length);
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), Mark);
    }
}
