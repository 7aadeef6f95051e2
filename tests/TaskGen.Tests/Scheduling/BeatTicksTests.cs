using System;
using System.Collections.Generic;
using TaskGen.Scheduling;

namespace TaskGen.Tests.Scheduling;

public sealed class BeatTicksTests
{
    private static readonly DateTimeOffset Tick = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    [Fact]
    public void TaskId_is_the_same_for_the_same_entry_and_instant_whatever_the_offset()
    {
        string id = BeatTicks.TaskId("report", Tick);

        Assert.Equal(id, BeatTicks.TaskId("report", Tick));
        Assert.Equal(id, BeatTicks.TaskId("report", Tick.ToOffset(TimeSpan.FromHours(2))));
        Assert.Equal(id.ToLowerInvariant(), id);
        Assert.True(Guid.TryParseExact(id, "D", out _));
    }

    [Fact]
    public void TaskId_differs_per_entry_and_per_tick()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal)
        {
            BeatTicks.TaskId("report", Tick),
            BeatTicks.TaskId("report", Tick.AddSeconds(1)),
            BeatTicks.TaskId("report", Tick.AddTicks(1)),
            BeatTicks.TaskId("reports", Tick),
            BeatTicks.TaskId("Report", Tick),
        };

        Assert.Equal(5, ids.Count);
    }

    [Fact]
    public void TaskId_has_the_version_5_and_RFC_4122_variant_nibbles()
    {
        for (int i = 0; i < 50; i++)
        {
            string id = BeatTicks.TaskId("entry" + i, Tick.AddMinutes(i));
            Assert.Equal('5', id[14]);
            Assert.Contains(id[19], "89ab");
        }
    }

    [Fact]
    public void TaskId_matches_the_name_based_uuid_of_the_header_value()
    {
        // Python's uuid.uuid5(UUID('f78b973f-2109-4ddf-89ed-b71186ee5d31'), 'report|2026-03-29T00:30:00.0000000Z').
        Assert.Equal("report|2026-03-29T00:30:00.0000000Z", BeatTicks.HeaderValue("report", Tick));
        Assert.Equal("134ef72a-e2d8-57b1-bbb5-7a49ae45623f", BeatTicks.TaskId("report", Tick));
    }

    [Fact]
    public void Header_value_round_trips_including_an_entry_name_with_a_bar()
    {
        string value = BeatTicks.HeaderValue("a|b", Tick.ToOffset(TimeSpan.FromHours(-5)));

        Assert.True(BeatTicks.TryParseHeader(value, out string entry, out DateTimeOffset tick));
        Assert.Equal("a|b", entry);
        Assert.Equal(Tick, tick);
        Assert.Equal(TimeSpan.Zero, tick.Offset);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("report")]
    [InlineData("|2026-03-29T00:30:00.0000000Z")]
    [InlineData("report|yesterday")]
    public void TryParseHeader_refuses_what_is_not_a_tick_header(string? value)
    {
        Assert.False(BeatTicks.TryParseHeader(value, out _, out _));
    }
}
