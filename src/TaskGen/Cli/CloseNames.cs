using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen.Diagnostics;

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
            int whole = NameDistance.Of(typed, name);
            int segment = NameDistance.Of(typedLast, last);
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
}
