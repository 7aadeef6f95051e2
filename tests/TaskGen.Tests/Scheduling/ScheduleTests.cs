using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen.Scheduling;

namespace TaskGen.Tests.Scheduling;

public sealed class ScheduleTests
{
    [Theory]
    [InlineData("every 30 s", 30)]
    [InlineData("every 30s", 30)]
    [InlineData("30 s", 30)]
    [InlineData("EVERY 30 S", 30)]
    [InlineData("5m", 300)]
    [InlineData("every 5 minutes", 300)]
    [InlineData("1 h", 3600)]
    [InlineData("1 d", 86400)]
    [InlineData("00:00:45", 45)]
    [InlineData("every 01:30:00", 5400)]
    public void Parse_reads_an_interval(string text, int seconds)
    {
        Schedule schedule = Schedule.Parse(text);

        IntervalSchedule interval = Assert.IsType<IntervalSchedule>(schedule);
        Assert.Equal(TimeSpan.FromSeconds(seconds), interval.Interval);
        Assert.Same(TimeZoneInfo.Utc, schedule.TimeZone);
    }

    [Theory]
    [InlineData("0 6 * * *")]
    [InlineData("*/10 * * * * *")]
    [InlineData("@daily")]
    public void Parse_reads_a_cron_expression(string text)
    {
        Schedule schedule = Schedule.Parse(text, "Europe/Berlin");

        CronSchedule cron = Assert.IsType<CronSchedule>(schedule);
        Assert.Equal(text, cron.Expression);
        Assert.Equal("Europe/Berlin", cron.TimeZoneId);
    }

    [Fact]
    public void A_six_field_expression_has_seconds_first()
    {
        Schedule schedule = Schedule.Cron("15 0 6 * * *");

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 6, 0, 15, TimeSpan.Zero), schedule.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("0 6 * *", "has 4 field(s)")]
    [InlineData("0 6 * * * * *", "has 7 field(s)")]
    [InlineData("", "has 0 field(s)")]
    [InlineData("every fortnight", "has 2 field(s)")]
    [InlineData("61 6 * * *", "does not parse")]
    [InlineData("0 6 * * FUNDAY", "does not parse")]
    public void A_bad_expression_is_a_FormatException_that_quotes_it_and_shows_a_valid_one(string text, string what)
    {
        FormatException refused = Assert.Throws<FormatException>(() => Schedule.Parse(text));

        Assert.Contains($"'{text}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains(what, refused.Message, StringComparison.Ordinal);
        Assert.Contains("'0 6 * * *'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_zone_is_a_TimeZoneNotFoundException_naming_it()
    {
        TimeZoneNotFoundException refused = Assert.Throws<TimeZoneNotFoundException>(() => Schedule.Cron("0 6 * * *", "Europe/Atlantis"));

        Assert.Contains("'Europe/Atlantis'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interval_under_a_second_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Every(TimeSpan.FromMilliseconds(999)));
    }

    [Fact]
    public void Intervals_are_aligned_to_the_Unix_epoch_and_strictly_after()
    {
        Schedule every30 = Schedule.Every(TimeSpan.FromSeconds(30));
        var at = new DateTimeOffset(2026, 5, 1, 12, 0, 10, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 0, 30, TimeSpan.Zero), every30.GetNextOccurrence(at));
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 1, 0, TimeSpan.Zero), every30.GetNextOccurrence(new DateTimeOffset(2026, 5, 1, 12, 0, 30, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 1, 0, TimeSpan.Zero), every30.GetNextOccurrence(new DateTimeOffset(2026, 5, 1, 14, 0, 30, TimeSpan.FromHours(2))));

        // 7 s does not divide a minute: the run times still count from the epoch, whoever computes them.
        Schedule every7 = Schedule.Every(TimeSpan.FromSeconds(7));
        DateTimeOffset next = every7.GetNextOccurrence(at)!.Value;
        Assert.Equal(0, (next - DateTimeOffset.UnixEpoch).Ticks % TimeSpan.FromSeconds(7).Ticks);
        Assert.True(next > at && next - at <= TimeSpan.FromSeconds(7));
        Assert.Equal(DateTimeOffset.UnixEpoch, every7.GetNextOccurrence(DateTimeOffset.UnixEpoch.AddTicks(-1)));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(-7), every7.GetNextOccurrence(DateTimeOffset.UnixEpoch.AddSeconds(-8)));
    }

    [Fact]
    public void Cron_occurrences_are_strictly_after()
    {
        Schedule daily = Schedule.Cron("0 6 * * *");
        var six = new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero);

        Assert.Equal(six.AddDays(1), daily.GetNextOccurrence(six));
        Assert.Equal(six, daily.GetNextOccurrence(six.AddTicks(-1)));
    }

    public static TheoryData<string, int, int, int> ChangeDays => new()
    {
        { "Europe/Berlin", 2026, 3, 29 },
        { "Europe/Berlin", 2026, 10, 25 },
        { "America/New_York", 2026, 3, 8 },
        { "America/New_York", 2026, 11, 1 },
    };

    [Theory]
    [MemberData(nameof(ChangeDays))]
    public void A_daily_0230_runs_exactly_once_on_a_change_day(string zone, int year, int month, int day)
    {
        Schedule daily = Schedule.Cron("30 2 * * *", zone);
        (DateTimeOffset start, DateTimeOffset end) = LocalDay(daily.TimeZone, year, month, day);

        List<DateTimeOffset> runs = Occurrences(daily, start.AddDays(-1), end.AddDays(1));
        List<DateTimeOffset> onTheDay = runs.Where(r => r >= start && r < end).ToList();

        DateTimeOffset run = Assert.Single(onTheDay);
        DateTime local = TimeZoneInfo.ConvertTime(run, daily.TimeZone).DateTime;
        Assert.Equal(new DateOnly(year, month, day), DateOnly.FromDateTime(local));

        // Spring forward skips 02:30, so it runs at the change (03:00); otherwise at 02:30, the first one if repeated.
        Assert.True(local.TimeOfDay == new TimeSpan(2, 30, 0) || local.TimeOfDay == new TimeSpan(3, 0, 0), $"ran at {local:O}");
        Assert.Equal(3, runs.Count);
    }

    [Theory]
    [MemberData(nameof(ChangeDays))]
    public void An_hourly_schedule_neither_skips_nor_doubles_an_hour_on_a_change_day(string zone, int year, int month, int day)
    {
        Schedule hourly = Schedule.Cron("0 * * * *", zone);
        (DateTimeOffset start, DateTimeOffset end) = LocalDay(hourly.TimeZone, year, month, day);

        List<DateTimeOffset> runs = Occurrences(hourly, start.AddTicks(-1), end.AddTicks(-1));

        Assert.Equal((int)(end - start).TotalHours, runs.Count);
        Assert.Equal(month < 6 ? 23 : 25, runs.Count);
        Assert.Equal(runs.Count, runs.Select(r => r.UtcTicks).Distinct().Count());
        Assert.All(runs.Zip(runs.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
        Assert.Equal(start, runs[0]);
    }

    /// <summary>The UTC instants of a local calendar day's start and the next day's start.</summary>
    internal static (DateTimeOffset Start, DateTimeOffset End) LocalDay(TimeZoneInfo zone, int year, int month, int day)
    {
        var midnight = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        DateTimeOffset start = new(midnight, zone.GetUtcOffset(midnight));
        DateTimeOffset end = new(midnight.AddDays(1), zone.GetUtcOffset(midnight.AddDays(1)));
        return (start.ToUniversalTime(), end.ToUniversalTime());
    }

    /// <summary>Every occurrence in (<paramref name="after"/>, <paramref name="until"/>].</summary>
    internal static List<DateTimeOffset> Occurrences(Schedule schedule, DateTimeOffset after, DateTimeOffset until)
    {
        var runs = new List<DateTimeOffset>();
        DateTimeOffset? next = schedule.GetNextOccurrence(after);
        while (next is { } run && run <= until)
        {
            runs.Add(run);
            next = schedule.GetNextOccurrence(run);
        }

        return runs;
    }
}
