using System;
using System.Text;

namespace TaskGen.Events;

/// <summary>
/// Cuts the argument and result texts that task events carry, as Celery does (<c>argsrepr_maxsize</c>,
/// <c>kwargsrepr_maxsize</c> and <c>resultrepr_maxsize</c> are 1,024 characters), so that one large
/// argument cannot turn every event into a large message.
/// </summary>
internal static class EventRepr
{
    /// <summary>The most characters an args, kwargs or result text keeps, Celery's default.</summary>
    public const int MaxLength = 1024;

    /// <summary>What a cut text ends with, as in Celery's <c>saferepr</c>.</summary>
    public const string Suffix = "...";

    /// <summary>Returns <paramref name="text"/> cut to <see cref="MaxLength"/> characters plus <see cref="Suffix"/>, never splitting a surrogate pair.</summary>
    /// <param name="text">The text.</param>
    public static string Truncate(string text)
    {
        if (text.Length <= MaxLength)
        {
            return text;
        }

        int cut = MaxLength;

        // A pair cut in half would leave a lone surrogate, which no UTF-8 encoder can write faithfully.
        if (char.IsHighSurrogate(text[cut - 1]) && char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Suffix);
    }

    /// <summary>Decodes the UTF-8 JSON <paramref name="utf8"/> and cuts it as <see cref="Truncate(string)"/> does, decoding no more than it keeps.</summary>
    /// <param name="utf8">The UTF-8 text.</param>
    public static string Truncate(ReadOnlySpan<byte> utf8)
    {
        // A character takes at most three bytes (a surrogate pair four bytes for two), so this prefix always
        // decodes to more than MaxLength whole characters when it is shorter than the text.
        const int enough = (MaxLength + 1) * 3;
        return Truncate(Encoding.UTF8.GetString(utf8.Length > enough ? utf8[..enough] : utf8));
    }
}
