using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskGen.Scheduling;

/// <summary>A fixed interval, aligned to the Unix epoch so that every process computes the same run times.</summary>
internal sealed partial class IntervalSchedule : Schedule
{
    public IntervalSchedule(TimeSpan interval)
    {
        if (interval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"A schedule interval must be one second or more, not {interval}.");
        }

        Interval = interval;
    }

    /// <summary>The interval.</summary>
    public TimeSpan Interval { get; }

    public override TimeZoneInfo TimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        long since = after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long step = Interval.Ticks;

        // Floor division, so that instants before the epoch align the same way as those after it.
        long index = since >= 0 ? since / step : -((-since + step - 1) / step);
        long next = DateTimeOffset.UnixEpoch.UtcTicks + ((index + 1) * step);
        return next > DateTimeOffset.MaxValue.UtcTicks ? null : new DateTimeOffset(next, TimeSpan.Zero);
    }

    public override string ToString() => $"every {Interval}";

    /// <summary>
    /// Parses <c>every 30 s</c>, <c>every 30s</c>, <c>30 s</c>, <c>5m</c>, <c>1 h</c>, <c>1 d</c> (any case; also
    /// <c>sec</c>, <c>min</c>, <c>hours</c>, <c>days</c> and the like) and a time span <c>hh:mm:ss</c>.
    /// </summary>
    public static bool TryParse(string text, out TimeSpan interval)
    {
        interval = default;
        if (text is null)
        {
            return false;
        }

        Match match = IntervalPattern().Match(text);
        if (match.Success)
        {
            if (!double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            {
                return false;
            }

            double seconds = char.ToLowerInvariant(match.Groups["unit"].Value[0]) switch
            {
                's' => amount,
                'm' => amount * 60,
                'h' => amount * 3600,
                _ => amount * 86400,
            };
            if (seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            interval = TimeSpan.FromSeconds(seconds);
            return true;
        }

        string trimmed = text.Trim();
        if (trimmed.StartsWith("every ", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed["every ".Length..].Trim();
        }

        // Only the colon form: a bare number is a cron field count error, not an interval.
        return trimmed.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(trimmed, ["c", @"h\:mm\:ss", @"hh\:mm\:ss", @"d\.hh\:mm\:ss"], CultureInfo.InvariantCulture, out interval)
            && interval > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^\s*(every\s+)?(?<n>[0-9]+(\.[0-9]+)?)\s*(?<unit>s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IntervalPattern();
}
