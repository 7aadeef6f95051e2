using System;
using System.Threading;
using Microsoft.Extensions.Time.Testing;

namespace TaskGen.Tests.Scheduling;

/// <summary>
/// One scheduler's view of a shared fake clock that knows what the scheduler waits for: the scheduler awaits one
/// delay at a time, so the latest timer it made, while not yet fired, is its wait. Tests advance the fake clock to
/// that time, step by step, instead of sleeping.
/// </summary>
internal sealed class SteppedClock(FakeTimeProvider fake) : TimeProvider
{
    private Watched? _latest;

    public FakeTimeProvider Fake { get; } = fake;

    /// <summary>The time the scheduler waits for, or null while it is busy (or waits for no timer).</summary>
    public DateTimeOffset? WaitingUntil => Volatile.Read(ref _latest) is { Done: false } latest && latest.Due > Fake.GetUtcNow() ? latest.Due : null;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        DateTimeOffset due = dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : Fake.GetUtcNow() + dueTime;
        var watched = new Watched(due);
        watched.Inner = Fake.CreateTimer(
            s =>
            {
                watched.Done = true;
                callback(s);
            },
            state,
            dueTime,
            period);
        Volatile.Write(ref _latest, watched);
        return watched;
    }

    private sealed class Watched(DateTimeOffset due) : ITimer
    {
        private volatile bool _done;

        public DateTimeOffset Due { get; private set; } = due;

        public bool Done
        {
            get => _done;
            set => _done = value;
        }

        public ITimer Inner { get; set; } = null!;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = DateTimeOffset.MaxValue;
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            Done = true;
            Inner.Dispose();
        }

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            Done = true;
            return Inner.DisposeAsync();
        }
    }
}
