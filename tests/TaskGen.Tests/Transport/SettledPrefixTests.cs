using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen.Transport;

namespace TaskGen.Tests.Transport;

/// <summary>
/// The ack book behind batched acknowledgements: a multiple ack covers only finished deliveries, never names a tag the
/// broker no longer holds, and a held delivery delays the others' acks by one flush round at most.
/// </summary>
public sealed class SettledPrefixTests
{
    [Fact]
    public void AMultipleAckWaitsForTheLowestOpenTagAndThenCoversTheWholeFinishedRun()
    {
        var book = Deliver(5);
        Assert.True(book.Finished(2, round: 0));
        Assert.True(book.Finished(3, round: 0));
        var singles = new List<ulong>();
        Assert.Equal(0ul, book.Take(singlesBefore: 0, singles));
        Assert.Empty(singles);
        Assert.Equal(0, book.Ready);

        Assert.True(book.Finished(1, round: 0));
        Assert.Equal(3, book.Ready);
        Assert.Equal(3ul, book.Take(singlesBefore: 0, singles));
        Assert.Empty(singles);
        Assert.Equal(0, book.Waiting);
    }

    [Fact]
    public void TagsFinishedAboveAHeldOneAreAcknowledgedAloneOneRoundLater()
    {
        var book = Deliver(4);
        book.Held(1);
        Assert.False(book.Idle);
        book.Finished(2, round: 0);
        book.Finished(4, round: 0);
        Assert.False(book.Idle);

        // In their own round they still wait: the held tag might have been a short one.
        var singles = new List<ulong>();
        Assert.Equal(0ul, book.Take(singlesBefore: 0, singles));
        Assert.Empty(singles);

        Assert.Equal(0ul, book.Take(singlesBefore: 1, singles));
        Assert.Equal([2ul, 4ul], singles);

        // The held tag comes due and finishes: the multiple ack names it, the only finished tag left at or below it.
        book.Finished(3, round: 1);
        Assert.True(book.Idle);
        book.Finished(1, round: 1);
        singles.Clear();
        Assert.Equal(3ul, book.Take(singlesBefore: 1, singles));
        Assert.Empty(singles);
    }

    [Fact]
    public void AMultipleAckNeverNamesATagSettledAlone()
    {
        var book = Deliver(3);
        book.Finished(1, round: 0);
        book.Finished(2, round: 0);
        book.SettledAlone(3);
        var singles = new List<ulong>();
        Assert.Equal(2ul, book.Take(long.MaxValue, singles));
        Assert.Empty(singles);

        // A rejected tag in the middle is skipped by the broker, so the ack may name the finished tag above it.
        book = Deliver(3);
        book.SettledAlone(2);
        book.Finished(3, round: 0);
        book.Finished(1, round: 0);
        Assert.Equal(3ul, book.Take(long.MaxValue, singles));
    }

    [Fact]
    public void ATagIsFinishedOnceAndOnlyWhenItWasDeliveredInOrder()
    {
        var book = new SettledPrefix();
        Assert.True(book.Delivered(1));
        Assert.True(book.Delivered(3));
        Assert.False(book.Delivered(2));
        Assert.False(book.Finished(2, round: 0));
        Assert.True(book.Finished(3, round: 0));
        Assert.False(book.Finished(3, round: 0));
        Assert.Equal(1, book.Waiting);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void AgainstABrokerModelNothingIsAcknowledgedEarlyTwiceOrNever(int seed)
    {
        // The broker's side: every delivered tag stays unacknowledged until one frame settles it. A multiple ack must
        // name an unacknowledged tag (or the broker closes the channel) and settles every unacknowledged tag up to it.
        var random = new Random(seed);
        var book = new SettledPrefix();
        var unacked = new SortedSet<ulong>();
        var running = new List<ulong>();
        var held = new List<ulong>();
        var done = new HashSet<ulong>();
        ulong next = 1;
        long round = 0;
        const int Total = 3_000;

        void Apply(ulong multiple, List<ulong> singles)
        {
            if (multiple != 0)
            {
                Assert.True(unacked.Contains(multiple), $"multiple ack names {multiple}, which the broker does not hold");
                foreach (ulong tag in unacked.Where(t => t <= multiple).ToArray())
                {
                    Assert.True(done.Contains(tag), $"multiple ack {multiple} covers {tag}, which has not finished");
                    unacked.Remove(tag);
                }
            }

            foreach (ulong tag in singles)
            {
                Assert.True(done.Contains(tag), $"single ack of {tag}, which has not finished");
                Assert.True(unacked.Remove(tag), $"single ack of {tag}, which the broker does not hold");
            }
        }

        while (next <= Total || running.Count > 0 || held.Count > 0)
        {
            int action = random.Next(10);
            if (action < 3 && next <= Total)
            {
                Assert.True(book.Delivered(next));
                unacked.Add(next);
                if (random.Next(20) == 0)
                {
                    book.Held(next);
                    held.Add(next);
                }
                else
                {
                    running.Add(next);
                }

                next++;
            }
            else if (action < 7 && running.Count > 0)
            {
                // Tasks finish in any order; one in ten is rejected instead, by a frame of its own.
                int index = random.Next(running.Count);
                ulong tag = running[index];
                running.RemoveAt(index);
                done.Add(tag);
                if (random.Next(10) == 0)
                {
                    unacked.Remove(tag);
                    book.SettledAlone(tag);
                }
                else
                {
                    Assert.True(book.Finished(tag, round));
                }
            }
            else if (action == 7 && held.Count > 0 && random.Next(8) == 0)
            {
                // A held task comes due and runs.
                int index = random.Next(held.Count);
                running.Add(held[index]);
                held.RemoveAt(index);
            }
            else if (action == 8 || (book.Ready >= 8))
            {
                var singles = new List<ulong>();
                Apply(book.Take(round, singles), singles);
            }
            else if (action == 9)
            {
                round++;
            }
        }

        var rest = new List<ulong>();
        Apply(book.Take(long.MaxValue, rest), rest);
        Assert.Empty(unacked);
        Assert.Equal(0, book.Waiting);
        Assert.Equal(Total, done.Count);
    }

    private static SettledPrefix Deliver(int count)
    {
        var book = new SettledPrefix();
        for (ulong tag = 1; tag <= (ulong)count; tag++)
        {
            Assert.True(book.Delivered(tag));
        }

        return book;
    }
}
