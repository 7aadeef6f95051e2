using System;
using System.Linq;
using System.Text;
using TaskGen.Events;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>Event texts are cut at Celery's 1,024 characters, never inside a surrogate pair.</summary>
public sealed class EventReprTests
{
    [Fact]
    public void TextUpToTheLimitIsKept()
    {
        string text = new('a', EventRepr.MaxLength);

        Assert.Same(text, EventRepr.Truncate(text));
    }

    [Fact]
    public void LongerTextIsCutAndMarked() =>
        Assert.Equal(new string('a', 1024) + "...", EventRepr.Truncate(new string('a', 5000)));

    [Fact]
    public void APairAcrossTheLimitIsLeftOutWhole()
    {
        string cut = EventRepr.Truncate(new string('a', 1023) + "😀" + new string('b', 10));

        Assert.Equal(new string('a', 1023) + "...", cut);
    }

    [Fact]
    public void APairEndingAtTheLimitIsKept()
    {
        string cut = EventRepr.Truncate(new string('a', 1022) + "😀" + new string('b', 10));

        Assert.Equal(new string('a', 1022) + "😀...", cut);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("é")]
    [InlineData("€")]
    [InlineData("😀")]
    public void Utf8IsDecodedOnlyAsFarAsItIsKept(string unit)
    {
        string text = string.Concat(Enumerable.Repeat(unit, 3000));

        string cut = EventRepr.Truncate(Encoding.UTF8.GetBytes(text));

        Assert.Equal(EventRepr.Truncate(text), cut);
        Assert.EndsWith("...", cut, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', cut);
    }
}
