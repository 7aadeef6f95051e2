using System;
using System.Collections.Generic;
using TaskGen.Results;

namespace TaskGen.Tests.Results;

/// <summary>The waiter table every result backend keeps: one waiter an id, expired ones swept, each removed once.</summary>
public sealed class PendingResultsTests
{
    [Fact]
    public void ASecondWaiterForTheSameIdIsRefusedWithWhatToDo()
    {
        var table = new PendingResults<string, Entry>(StringComparer.Ordinal, TimeSpan.FromHours(1), e => e.RegisteredAt);
        table.Add("t1", new Entry(Environment.TickCount64));

        var refused = Assert.Throws<InvalidOperationException>(() => table.Add("t1", new Entry(Environment.TickCount64)));

        Assert.Contains("Task id t1 is already awaited", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void TheSweepRemovesOnlyWaitersOlderThanResultExpiresAndNamesTheSetting()
    {
        var table = new PendingResults<string, Entry>(StringComparer.Ordinal, TimeSpan.FromMinutes(1), e => e.RegisteredAt);
        table.Add("old", new Entry(Environment.TickCount64 - 120_000));
        table.Add("new", new Entry(Environment.TickCount64));
        var swept = new List<string>();

        table.Sweep((entry, expired) => swept.Add(expired.Message));

        Assert.Single(swept);
        Assert.Contains("No result for task old arrived within ResultExpires", swept[0], StringComparison.Ordinal);
        Assert.True(table.TryGet("new", out _));
        Assert.False(table.TryGet("old", out _));
    }

    [Fact]
    public void ARemovalOfAnEntryThatNoLongerHoldsItsIdRemovesNothing()
    {
        var table = new PendingResults<string, Entry>(StringComparer.Ordinal, TimeSpan.FromHours(1), e => e.RegisteredAt);
        var first = new Entry(1);
        var second = new Entry(2);
        table.Add("t", first);
        Assert.True(table.Remove("t", first));
        table.Add("t", second);

        Assert.False(table.Remove("t", first));
        Assert.True(table.Holds("t", second));
        Assert.Equal(1, table.RemoveAll(_ => true, (_, _) => { }));
        Assert.True(table.IsEmpty);
    }

    [Fact]
    public void EveryFourThousandNinetySixthRegistrationSweeps()
    {
        var table = new PendingResults<string, Entry>(StringComparer.Ordinal, TimeSpan.FromHours(1), e => e.RegisteredAt);
        int due = 0;
        for (int i = 0; i < 3 * 4096; i++)
        {
            due += table.SweepDue() ? 1 : 0;
        }

        Assert.Equal(3, due);
    }

    private sealed record Entry(long RegisteredAt);
}
