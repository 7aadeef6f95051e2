using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// Looks time-zone ids up the way the scheduler does (<see cref="TimeZoneInfo.FindSystemTimeZoneById"/>), in the
/// compiler's own process. A compiler whose platform cannot resolve IANA ids at all (.NET Framework on Windows) judges
/// none, rather than report every zone as unknown.
/// </summary>
internal static class TimeZones
{
    // .NET 6 and later; the analyzer targets netstandard2.0, so it is found at run time.
    private static readonly MethodInfo? s_ianaToWindows = typeof(TimeZoneInfo).GetMethod(
        "TryConvertIanaIdToWindowsId", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(string).MakeByRefType() }, null);

    private static readonly Lazy<bool> s_canJudge = new(() => Find("America/New_York") is not null && Find("Europe/Berlin") is not null);

    private static readonly Lazy<string[]> s_known = new(() =>
    {
        try
        {
            return TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id).Append("UTC").Distinct(StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is InvalidTimeZoneException or System.Security.SecurityException or System.IO.IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    });

    /// <summary>Whether this process resolves IANA ids, so that an id it cannot find is truly unknown.</summary>
    public static bool CanJudge => s_canJudge.Value;

    /// <summary>The zone, or null when the id is unknown here.</summary>
    public static TimeZoneInfo? Find(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or System.Security.SecurityException or System.IO.IOException or UnauthorizedAccessException)
        {
        }

        if (s_ianaToWindows is not null)
        {
            object?[] arguments = { id, null };
            if (s_ianaToWindows.Invoke(null, arguments) is true && arguments[1] is string windowsId)
            {
                try
                {
                    return TimeZoneInfo.FindSystemTimeZoneById(windowsId);
                }
                catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                }
            }
        }

        return null;
    }

    /// <summary>Up to three known ids close to <paramref name="id"/>: the same but for case, the same city, or a typo or two away.</summary>
    public static IReadOnlyList<string> Suggest(string id)
    {
        string wanted = id.Trim();
        string city = wanted.Substring(wanted.LastIndexOf('/') + 1);
        return s_known.Value
            .Select(known => (Id: known, Score: Score(wanted, city, known)))
            .Where(candidate => candidate.Score < int.MaxValue)
            .OrderBy(candidate => candidate.Score)
            .ThenBy(candidate => candidate.Id, StringComparer.Ordinal)
            .Take(3)
            .Select(candidate => candidate.Id)
            .ToList();
    }

    private static int Score(string wanted, string city, string known)
    {
        if (string.Equals(wanted, known, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        int distance = Distance(wanted.ToLowerInvariant(), known.ToLowerInvariant(), 3);
        if (distance <= 2)
        {
            return distance;
        }

        string knownCity = known.Substring(known.LastIndexOf('/') + 1);
        return city.Length > 2 && string.Equals(city.Replace(' ', '_'), knownCity, StringComparison.OrdinalIgnoreCase) ? 3 : int.MaxValue;
    }

    /// <summary>The edit distance of two strings, or <paramref name="cap"/> once it reaches it.</summary>
    private static int Distance(string a, string b, int cap)
    {
        if (Math.Abs(a.Length - b.Length) >= cap)
        {
            return cap;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int best = current[0];
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                best = Math.Min(best, current[j]);
            }

            if (best >= cap)
            {
                return cap;
            }

            (previous, current) = (current, previous);
        }

        return Math.Min(previous[b.Length], cap);
    }
}
