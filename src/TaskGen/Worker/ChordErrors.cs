using System;
using System.Text;
using System.Text.Json;

namespace TaskGen.Worker;

/// <summary>
/// The words of Celery's <c>ChordError</c> for a failed part, <c>Dependency &lt;tid&gt; raised ValueError('boom')</c>: the
/// part's exception as Python's <c>repr</c> shows it, so a Python caller reads the same message whichever worker joined.
/// </summary>
internal static class ChordErrors
{
    /// <summary>Python's <c>repr</c> of an encoded exception <c>{"exc_type", "exc_message", "exc_module"}</c>; anything else as its JSON.</summary>
    public static string Repr(ReadOnlySpan<byte> exceptionJson)
    {
        try
        {
            var reader = new Utf8JsonReader(exceptionJson);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("exc_type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                return Encoding.UTF8.GetString(exceptionJson);
            }

            var repr = new StringBuilder(type.GetString()).Append('(');
            if (root.TryGetProperty("exc_message", out JsonElement message))
            {
                if (message.ValueKind == JsonValueKind.Array)
                {
                    bool first = true;
                    foreach (JsonElement argument in message.EnumerateArray())
                    {
                        repr.Append(first ? string.Empty : ", ");
                        AppendValue(repr, argument);
                        first = false;
                    }
                }
                else if (message.ValueKind != JsonValueKind.Null)
                {
                    AppendValue(repr, message);
                }
            }

            return repr.Append(')').ToString();
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(exceptionJson);
        }
    }

    /// <summary>Python's <c>repr</c> of a string: single quotes unless the text holds one and no double quote.</summary>
    public static string StringRepr(string text)
    {
        char quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var repr = new StringBuilder(text.Length + 2).Append(quote);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\':
                    repr.Append(@"\\");
                    break;
                case '\n':
                    repr.Append(@"\n");
                    break;
                case '\r':
                    repr.Append(@"\r");
                    break;
                case '\t':
                    repr.Append(@"\t");
                    break;
                default:
                    if (c == quote)
                    {
                        repr.Append('\\');
                    }

                    if (c < ' ' || c == '\x7f')
                    {
                        repr.Append(@"\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        repr.Append(c);
                    }

                    break;
            }
        }

        return repr.Append(quote).ToString();
    }

    private static void AppendValue(StringBuilder repr, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                repr.Append(StringRepr(value.GetString()!));
                break;
            case JsonValueKind.True:
                repr.Append("True");
                break;
            case JsonValueKind.False:
                repr.Append("False");
                break;
            case JsonValueKind.Null:
                repr.Append("None");
                break;
            default:
                repr.Append(value.GetRawText());
                break;
        }
    }
}
