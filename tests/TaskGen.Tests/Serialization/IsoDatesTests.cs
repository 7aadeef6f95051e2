using System;
using TaskGen.Serialization;

namespace TaskGen.Tests.Serialization;

/// <summary>
/// ISO-8601 dates as Celery reads them: exactly six fractional digits (Python reads the fraction as
/// microseconds) in UTC, and every form Python writes accepted on the way in.
/// </summary>
public sealed class IsoDatesTests
{
    private const string CeleryDatePattern = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$";

    // 2024-05-06 07:08:09.123456 UTC, exact to the microsecond.
    private static readonly DateTimeOffset s_moment = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1_234_560);

    [Fact]
    public void FormatWritesExactlySixFractionalDigits()
    {
        string text = IsoDates.Format(s_moment);
        Assert.Matches(CeleryDatePattern, text);
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", text);
    }

    [Fact]
    public void FormatTruncatesTheSeventhDigitAndPadsAWholeSecond()
    {
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", IsoDates.Format(s_moment.AddTicks(9)));
        Assert.Equal("2024-05-06T07:08:09.000000+00:00", IsoDates.Format(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero)));
    }

    [Fact]
    public void FormatConvertsOtherOffsetsToUtc()
    {
        string text = IsoDates.Format(s_moment.ToOffset(TimeSpan.FromHours(-5.5)));
        Assert.Matches(CeleryDatePattern, text);
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", text);
    }

    [Fact]
    public void FormatDateTimeUtcAndLocalAreWrittenInUtc()
    {
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", IsoDates.Format(s_moment.UtcDateTime));
        Assert.Equal("2024-05-06T07:08:09.123456+00:00", IsoDates.Format(s_moment.UtcDateTime.ToLocalTime()));
    }

    [Fact]
    public void FormatDateTimeUnspecifiedIsWrittenNaive()
    {
        var naive = DateTime.SpecifyKind(s_moment.UtcDateTime, DateTimeKind.Unspecified);
        Assert.Equal("2024-05-06T07:08:09.123456", IsoDates.Format(naive));
    }

    [Fact]
    public void FormatDateAndTimeOfDay()
    {
        Assert.Equal("2024-05-06", IsoDates.Format(new DateOnly(2024, 5, 6)));
        Assert.Equal("07:08:09.123456", IsoDates.Format(TimeOnly.FromTimeSpan(s_moment.TimeOfDay)));
    }

    [Theory]
    [InlineData("2024-05-06T07:08:09.123456Z")]
    [InlineData("2024-05-06T07:08:09.123456z")]
    [InlineData("2024-05-06T07:08:09.123456+00:00")]
    [InlineData("2024-05-06T09:08:09.123456+02:00")]
    [InlineData("2024-05-06T01:38:09.123456-05:30")]
    [InlineData("2024-05-06 07:08:09.123456+00:00")]
    [InlineData("2024-05-06 07:08:09.123456")]
    [InlineData("2024-05-06T07:08:09.123456")]
    public void TryParseAcceptsWhatPythonWrites(string text)
    {
        Assert.True(IsoDates.TryParse(text, out DateTimeOffset value));
        Assert.Equal(s_moment.UtcDateTime, value.UtcDateTime);
    }

    [Fact]
    public void TryParseKeepsTheOffset()
    {
        Assert.True(IsoDates.TryParse("2024-05-06T09:08:09.123456+02:00", out DateTimeOffset value));
        Assert.Equal(TimeSpan.FromHours(2), value.Offset);
    }

    [Fact]
    public void TryParseTakesANaiveValueAsUtc()
    {
        Assert.True(IsoDates.TryParse("2024-05-06T07:08:09", out DateTimeOffset value));
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), value.UtcDateTime);
    }

    [Fact]
    public void TryParseAcceptsSevenFractionalDigits()
    {
        Assert.True(IsoDates.TryParse("2024-05-06T07:08:09.1234567Z", out DateTimeOffset value));
        Assert.Equal(s_moment.AddTicks(7), value);
    }

    [Fact]
    public void TryParseAcceptsNoFraction()
    {
        Assert.True(IsoDates.TryParse("2024-05-06T07:08:09+00:00", out DateTimeOffset value));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), value);
    }

    [Fact]
    public void TryParseReadsWhatFormatWrites()
    {
        Assert.True(IsoDates.TryParse(IsoDates.Format(s_moment), out DateTimeOffset value));
        Assert.Equal(s_moment, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Z")]
    [InlineData("garbage")]
    [InlineData("tomorrow at noon")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-05-06T25:00:00+00:00")]
    [InlineData("06/05/2024 07:08:09")]
    [InlineData("2024-05-06T07:08:09.123456+00:00 trailing")]
    public void TryParseRejectsGarbage(string? text)
    {
        Assert.False(IsoDates.TryParse(text, out _));
    }

    [Fact]
    public void ParseGarbageQuotesTheText()
    {
        FormatException error = Assert.Throws<FormatException>(() => IsoDates.Parse("not a date"));
        Assert.Contains("'not a date'", error.Message);
    }

    [Fact]
    public void PatternIsTheOneCeleryNeeds()
    {
        // Guards the guard: the pattern refuses .NET's seven-digit "o" format.
        Assert.DoesNotMatch(CeleryDatePattern, s_moment.ToString("o"));
        Assert.Matches(CeleryDatePattern, "2024-05-06T07:08:09.123456+00:00");
    }
}
