using System;
using System.Globalization;

namespace TaskGen.Serialization;

/// <summary>
/// ISO-8601 dates as Celery reads and writes them: Python parses the fraction as microseconds, so
/// TaskGen writes exactly six fractional digits, never .NET's seven-digit round-trip format.
/// </summary>
internal static class IsoDates
{
    private static readonly string[] s_offsetFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd' 'HH:mm:sszzz",
    ];

    /// <summary>Formats a moment as <c>yyyy-MM-ddTHH:mm:ss.ffffff+00:00</c> in UTC, as Celery writes <c>eta</c>.</summary>
    /// <param name="value">The moment.</param>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00:00";

    /// <summary>
    /// Formats a <see cref="DateTime"/>: UTC and local values are written in UTC with <c>+00:00</c>;
    /// unspecified values are written without an offset, as Python writes naive datetimes.
    /// </summary>
    /// <param name="value">The date and time.</param>
    public static string Format(DateTime value) => value.Kind switch
    {
        DateTimeKind.Unspecified => value.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        _ => Format(new DateTimeOffset(value.ToUniversalTime())),
    };

    /// <summary>Formats a date as <c>yyyy-MM-dd</c>.</summary>
    /// <param name="value">The date.</param>
    public static string Format(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Formats a time of day as <c>HH:mm:ss.ffffff</c>.</summary>
    /// <param name="value">The time.</param>
    public static string Format(TimeOnly value) => value.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses an ISO-8601 date and time with or without an offset (<c>Z</c>, <c>+00:00</c>) and with
    /// up to seven fractional digits; a value without an offset is taken as UTC, as Celery does with
    /// <c>enable_utc</c>.
    /// </summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="value">The parsed moment.</param>
    /// <returns>False when <paramref name="text"/> is not such a date.</returns>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string normalized = text.EndsWith('Z') || text.EndsWith('z') ? string.Concat(text.AsSpan(0, text.Length - 1), "+00:00") : text;
        if (DateTimeOffset.TryParseExact(normalized, s_offsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }

        if (DateTime.TryParseExact(normalized, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFF", "yyyy-MM-dd' 'HH:mm:ss", "yyyy-MM-dd"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime naive))
        {
            value = new DateTimeOffset(naive, TimeSpan.Zero);
            return true;
        }

        return false;
    }

    /// <summary>Parses an ISO-8601 date and time, or throws a <see cref="FormatException"/> that quotes the text.</summary>
    /// <param name="text">The text to parse.</param>
    public static DateTimeOffset Parse(string? text) =>
        TryParse(text, out DateTimeOffset value) ? value : throw new FormatException($"'{text}' is not an ISO-8601 date and time.");
}
