using System;
using System.Globalization;
using System.Text;

namespace TaskGen.Diagnostics;

/// <summary>
/// Makes text that arrives in messages (task ids and names, control methods, broker error texts) safe to
/// put in a log line: a CR or LF in a task id must not forge a second line, and a megabyte-long name must
/// not flood the log.
/// </summary>
internal static class LogText
{
    /// <summary>How many characters of escaped text a log value keeps before it is cut.</summary>
    public const int MaxLength = 300;

    /// <summary>How many characters of a result's JSON a success line keeps, as Celery's <c>resultrepr_maxsize</c> does (1024).</summary>
    public const int MaxResultLength = 1024;

    /// <summary>What a missing value shows as.</summary>
    public const string None = "(none)";

    private const string Ellipsis = "…";

    /// <summary>
    /// Returns <paramref name="text"/> with control, format and line-separator characters written as
    /// <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c> (and a backslash as <c>\\</c>, so an escape is never
    /// ambiguous), cut to <see cref="MaxLength"/> characters with an ellipsis; <c>(none)</c> for null.
    /// </summary>
    /// <param name="text">The untrusted text.</param>
    public static string Escape(string? text)
    {
        if (text is null)
        {
            return None;
        }

        if (text.Length <= MaxLength && !NeedsEscaping(text))
        {
            return text;
        }

        var escaped = new StringBuilder(System.Math.Min(text.Length, MaxLength) + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            string? escape = pair ? null : EscapeOf(c);
            int width = escape?.Length ?? (pair ? 2 : 1);
            if (escaped.Length + width > MaxLength)
            {
                return escaped.Append(Ellipsis).ToString();
            }

            if (escape is not null)
            {
                escaped.Append(escape);
            }
            else if (pair)
            {
                escaped.Append(c).Append(text[++i]);
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>
    /// A result's JSON for a success line: <c>None</c> for a task without a result (as Celery shows Python's None), else
    /// the JSON cut to <see cref="MaxResultLength"/> characters with <c>...</c>, as Celery's <c>saferepr</c> cuts a result.
    /// </summary>
    /// <param name="json">The result value's UTF-8 JSON; empty for a task without a result.</param>
    public static string Result(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return "None";
        }

        // Decoding only what can be shown keeps a large result from costing a large string per task.
        int take = Math.Min(json.Length, (MaxResultLength + 1) * 4);
        string text = Encoding.UTF8.GetString(json[..take]);
        if (text.Length > MaxResultLength)
        {
            int cut = char.IsHighSurrogate(text[MaxResultLength - 1]) ? MaxResultLength - 1 : MaxResultLength;
            text = text[..cut] + "...";
        }

        return NeedsEscaping(text) ? EscapeAll(text) : text;
    }

    private static string EscapeAll(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            escaped.Append(EscapeOf(c) ?? c.ToString());
        }

        return escaped.ToString();
    }

    private static bool NeedsEscaping(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (EscapeOf(c) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static string? EscapeOf(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\\' => "\\\\",
        _ => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
            ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
            : null,
    };
}
