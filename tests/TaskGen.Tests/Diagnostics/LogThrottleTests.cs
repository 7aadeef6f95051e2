using System;
using System.Collections.Generic;
using TaskGen.Diagnostics;

namespace TaskGen.Tests.Diagnostics;

/// <summary>A repeating warning is let through once per interval, with the count of those held back.</summary>
public sealed class LogThrottleTests
{
    [Fact]
    public void OneOccurrencePerIntervalIsLoggedAndTheRestAreCounted()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(TimeSpan.FromMinutes(1), clock);
        var logged = new List<long>();

        for (int i = 0; i < 4; i++)
        {
            if (throttle.ShouldLog(out long suppressed))
            {
                logged.Add(suppressed);
            }

            clock.Advance(TimeSpan.FromSeconds(10));
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 2; i++)
        {
            if (throttle.ShouldLog(out long suppressed))
            {
                logged.Add(suppressed);
            }
        }

        Assert.Equal([0L, 3L], logged);
    }
}

/// <summary>A clock that moves only when a test moves it.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
