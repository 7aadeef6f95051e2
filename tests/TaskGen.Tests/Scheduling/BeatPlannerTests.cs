using System;
using TaskGen.Scheduling;

namespace TaskGen.Tests.Scheduling;

public sealed class BeatPlannerTests
{
    private static readonly Schedule EveryMinute = Schedule.Every(TimeSpan.FromMinutes(1));
    private static readonly TimeSpan Threshold = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 30, TimeSpan.Zero);

    private static DateTimeOffset At(int hour, int minute) => new(2026, 6, 1, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(MisfirePolicy.RunOnce)]
    [InlineData(MisfirePolicy.RunAll)]
    [InlineData(MisfirePolicy.Skip)]
    public void With_no_last_tick_nothing_due_in_the_past_is_sent(MisfirePolicy policy)
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, policy, Threshold, last: null, Now);

        Assert.Empty(plan.Send);
        Assert.Equal(At(12, 1), plan.Next);
        Assert.Equal(0, plan.Missed);
    }

    [Fact]
    public void Ticks_within_the_threshold_are_on_time_and_sent_whatever_the_policy()
    {
        // The 12:00 tick is 30 s late and the threshold is a minute: on time even under Skip.
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.Skip, Threshold, At(11, 59), Now);

        Assert.Equal([At(12, 0)], plan.Send);
        Assert.Equal(At(12, 1), plan.Next);
        Assert.Equal(0, plan.Missed);
    }

    [Fact]
    public void A_tick_due_exactly_now_is_sent()
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.RunOnce, Threshold, At(11, 59), At(12, 0));

        Assert.Equal([At(12, 0)], plan.Send);
        Assert.Equal(At(12, 1), plan.Next);
    }

    [Fact]
    public void Nothing_is_sent_before_the_next_tick()
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.RunAll, Threshold, At(12, 0), Now);

        Assert.Empty(plan.Send);
        Assert.Equal(At(12, 1), plan.Next);
    }

    [Fact]
    public void RunOnce_sends_the_latest_missed_tick_and_the_on_time_ones()
    {
        // Last sent 11:50; 11:51..11:59 are over a minute late (11:59 is 90 s late), 12:00 is on time.
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.RunOnce, Threshold, At(11, 50), Now);

        Assert.Equal([At(11, 59), At(12, 0)], plan.Send);
        Assert.Equal(9, plan.Missed);
        Assert.Equal(8, plan.Dropped);
        Assert.Equal(At(11, 51), plan.FirstMissed);
        Assert.Equal(At(11, 59), plan.LastMissed);
        Assert.Equal(At(12, 1), plan.Next);
    }

    [Fact]
    public void RunAll_sends_every_missed_tick_oldest_first()
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.RunAll, Threshold, At(11, 57), Now);

        Assert.Equal([At(11, 58), At(11, 59), At(12, 0)], plan.Send);
        Assert.Equal(2, plan.Missed);
        Assert.Equal(0, plan.Dropped);
    }

    [Fact]
    public void Skip_sends_none_of_the_missed_ticks()
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.Skip, Threshold, At(11, 50), Now);

        Assert.Equal([At(12, 0)], plan.Send);
        Assert.Equal(9, plan.Missed);
        Assert.Equal(9, plan.Dropped);
    }

    [Fact]
    public void A_wider_threshold_makes_older_ticks_on_time()
    {
        BeatPlan plan = BeatPlanner.Plan(EveryMinute, MisfirePolicy.Skip, TimeSpan.FromMinutes(5), At(11, 50), Now);

        Assert.Equal([At(11, 56), At(11, 57), At(11, 58), At(11, 59), At(12, 0)], plan.Send);
        Assert.Equal(5, plan.Missed);
    }

    [Fact]
    public void RunAll_catches_up_at_most_a_thousand_ticks_the_latest_ones()
    {
        Schedule everySecond = Schedule.Every(TimeSpan.FromSeconds(1));
        DateTimeOffset now = At(12, 0);

        BeatPlan plan = BeatPlanner.Plan(everySecond, MisfirePolicy.RunAll, TimeSpan.FromSeconds(1), now.AddHours(-1), now);

        // 3,599 ticks are more than a second late (12:00:00 and 11:59:59 are on time).
        Assert.Equal(3_598, plan.Missed);
        Assert.Equal(BeatPlanner.MaxCatchUp + 2, plan.Send.Count);
        Assert.Equal(3_598 - BeatPlanner.MaxCatchUp, plan.Dropped);
        Assert.Equal(now.AddSeconds(-BeatPlanner.MaxCatchUp - 1), plan.Send[0]);
        Assert.Equal(now, plan.Send[^1]);
        for (int i = 1; i < plan.Send.Count; i++)
        {
            Assert.True(plan.Send[i] > plan.Send[i - 1]);
        }
    }
}
