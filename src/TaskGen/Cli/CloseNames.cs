using System;
using System.Collections.Generic;
using System.Linq;

namespace TaskGen.Cli;

/// <summary>
/// The names close to one that was mistyped, for "Did you mean ...?": task names (dotted, so <c>RectArea</c> finds
/// <c>CeleryApp.Tasks.Geometry.RectArea</c>) and queue names (<c>calk</c> finds <c>calc</c>).
/// </summary>
internal static class CloseNames
{
    /// <summary>How many names a suggestion lists at most.</summary>
    public const int Most = 3;

    /// <summary>
    /// The known names closest to <paramref name="given"/>, at most <see cref="Most"/>: those whose trailing dotted
    /// segments are the given name but for case (<c>RectArea</c>, <c>geometry.rectarea</c>), or when there are none, those
    /// within a few edits of it, whole or by last segment (one edit per three letters, at most three; a swap of two
    /// letters counts once), nearest first.
    /// </summary>
    /// <param name="given">The name as typed.</param>
    /// <param name="known">The names it could have meant.</param>
    public static IReadOnlyList<string> Find(string given, IEnumerable<string> known)
    {
        string typed = given.Trim();
        if (typed.Length == 0)
        {
            return [];
        }

        string typedLast = LastSegment(typed);
        var ranked = new List<(int Rank, int Distance, string Name)>();
        foreach (string name in known.Distinct(StringComparer.Ordinal))
        {
            if (name == typed)
            {
                continue;
            }

            if (name.Equals(typed, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + typed, StringComparison.OrdinalIgnoreCase))
            {
                ranked.Add((0, 0, name));
                continue;
            }

            string last = LastSegment(name);
            int whole = Distance(typed, name);
            int segment = Distance(typedLast, last);
            if (whole <= Allowed(typed))
            {
                ranked.Add((1, whole, name));
            }
            else if (segment <= Allowed(typedLast))
            {
                ranked.Add((1, segment, name));
            }
        }

        // A name that ends the way the typed one does is what was meant; near misses then only add noise.
        if (ranked.Any(r => r.Rank == 0))
        {
            ranked.RemoveAll(r => r.Rank > 0);
        }

        return ranked
            .OrderBy(r => r.Rank)
            .ThenBy(r => r.Distance)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .Take(Most)
            .Select(r => r.Name)
            .ToArray();
    }

    /// <summary>"A", "A or B", "A, B or C".</summary>
    /// <param name="names">The names, in the order to show.</param>
    public static string Either(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Concat(names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static string LastSegment(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot >= 0 && dot < name.Length - 1 ? name[(dot + 1)..] : name;
    }

    // One edit per three letters, at least one and at most three: "calk" → "calc", "RectAera" → "RectArea", never
    // "add" → "mul"; the cap keeps a long dotted name from matching its siblings ("...Geometry.RectAre" → "...Geometry.CircleArea").
    private static int Allowed(string typed) => Math.Clamp(typed.Length / 3, 1, 3);

    /// <summary>The optimal-string-alignment distance, case-insensitive: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
