using System;
using System.Collections.Generic;

namespace TaskGen.Protocol;

/// <summary>
/// Python's json module writes <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> as bare literals, which
/// are not JSON. These helpers turn them into strings that the number readers accept; they only run
/// after a strict parse failed, so well-formed bodies pay nothing.
/// </summary>
internal static class NonStandardJson
{
    public static bool ContainsNonFiniteLiteral(ReadOnlySpan<byte> json) =>
        json.IndexOf("NaN"u8) >= 0 || json.IndexOf("Infinity"u8) >= 0;

    public static byte[] QuoteNonFiniteLiterals(ReadOnlySpan<byte> json)
    {
        var output = new List<byte>(json.Length + 16);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            byte b = json[i];
            if (inString)
            {
                output.Add(b);
                if (b == (byte)'\\' && i + 1 < json.Length)
                {
                    output.Add(json[++i]);
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            if (b == (byte)'"')
            {
                inString = true;
                output.Add(b);
                continue;
            }

            ReadOnlySpan<byte> rest = json[i..];
            ReadOnlySpan<byte> literal = rest.StartsWith("NaN"u8) ? "NaN"u8
                : rest.StartsWith("-Infinity"u8) ? "-Infinity"u8
                : rest.StartsWith("Infinity"u8) ? "Infinity"u8
                : default;
            if (literal.Length > 0)
            {
                output.Add((byte)'"');
                output.AddRange(literal);
                output.Add((byte)'"');
                i += literal.Length - 1;
                continue;
            }

            output.Add(b);
        }

        return output.ToArray();
    }
}
