using System;
using System.Text;
using TaskGen.Redis;
using TaskGen.Results;

namespace TaskGen.Tests.Results;

/// <summary>How a stored value under <c>celery-task-meta-*</c> is read for history: Celery's fields, and what is not a result.</summary>
public sealed class RedisResultHistoryParseTests
{
    [Fact]
    public void ACeleryValueWithResultExtendedGivesEveryField()
    {
        StoredResult stored = Parse("""{"status": "SUCCESS", "result": {"x": 1}, "traceback": null, "children": [], "date_done": "2026-12-07T19:00:00.250000+01:00", "task_id": "t1", "name": "py.add", "args": [1, 2], "kwargs": {}, "worker": "celery@py", "retries": 1, "queue": "py"}""")!;

        Assert.Equal(("t1", "SUCCESS", """{"x": 1}""", "py.add", "[1, 2]", "{}", "celery@py", 1, "py"), (stored.TaskId, stored.State, stored.Result, stored.Name, stored.Args, stored.Kwargs, stored.Worker, stored.Retries, stored.Queue));
        Assert.Null(stored.Traceback);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 18, 0, 0, 250, TimeSpan.Zero), stored.DateDone);
    }

    [Fact]
    public void ANaiveDateDoneIsUtcAndAMissingIdComesFromTheKey()
    {
        StoredResult stored = Parse("""{"status": "FAILURE", "result": {"exc_type": "KeyError"}, "traceback": "tb", "date_done": "2026-12-07T19:00:00.123456"}""", "celery-task-meta-from-key")!;

        Assert.Equal(("from-key", "FAILURE", "tb"), (stored.TaskId, stored.State, stored.Traceback));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 19, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), stored.DateDone);
        Assert.Null(stored.Name);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"result": 1}""")]
    [InlineData("""{"status": 7}""")]
    public void WhatIsNotACeleryResultIsSkipped(string value) => Assert.Null(Parse(value));

    [Fact]
    public void AnUnreadableDateKeepsTheResultWithoutOne() =>
        Assert.Null(Parse("""{"status": "SUCCESS", "result": 1, "date_done": "yesterday"}""")!.DateDone);

    [Fact]
    public void ALongResultIsCutToTheLengthAskedForWithTheMonitorsMark()
    {
        string big = new('x', 100_000);
        StoredResult stored = Parse($$"""{"status": "SUCCESS", "result": "{{big}}", "traceback": "{{big}}", "args": ["{{big}}"]}""", maxFieldLength: 8_192)!;

        Assert.Equal(8_192, stored.Result!.Length);
        Assert.EndsWith("…", stored.Result, StringComparison.Ordinal);
        Assert.StartsWith("\"xxx", stored.Result, StringComparison.Ordinal);
        Assert.Equal(8_192, stored.Traceback!.Length);
        Assert.Equal(8_192, stored.Args!.Length);
    }

    [Fact]
    public void NoFieldIsLongerThanTheBackendsCeilingWhateverIsAskedFor() =>
        Assert.Equal(RedisResultHistory.MaxFieldChars, RedisResultHistory.Cut(new string('x', 100_000), RedisResultHistory.MaxFieldChars)!.Length);

    [Fact]
    public void ACutNeverSplitsASurrogatePair()
    {
        string text = new string('x', 8) + "\U0001F600" + new string('y', 8);
        Assert.Equal(new string('x', 8) + "…", RedisResultHistory.Cut(text, 10));
    }

    [Theory]
    [InlineData("""{"status": "SUCCESS", "result": 1, "retries": null}""")]
    [InlineData("""{"status": "SUCCESS", "result": 1, "retries": "3"}""")]
    [InlineData("""{"status": "SUCCESS", "result": 1, "retries": 1.5}""")]
    public void ARetriesOfAnotherKindIsLeftOutNotTheResult(string value)
    {
        StoredResult stored = Parse(value)!;
        Assert.Equal(("SUCCESS", "1"), (stored.State, stored.Result));
        Assert.Null(stored.Retries);
    }

    [Fact]
    public void ALoneSurrogateLeavesOutItsFieldNotTheResult()
    {
        StoredResult stored = Parse("""{"status": "SUCCESS", "result": 1, "worker": "\ud800", "name": "py.add", "traceback": "tb \udc00"}""")!;
        Assert.Equal(("SUCCESS", "py.add"), (stored.State, stored.Name));
        Assert.Null(stored.Worker);
        Assert.Null(stored.Traceback);
    }

    [Fact]
    public void ALoneSurrogateInTheStatusSkipsOnlyThatValue() => Assert.Null(Parse("""{"status": "\ud800", "result": 1}"""));

    private static StoredResult? Parse(string value, string key = "celery-task-meta-k", int maxFieldLength = RedisResultHistory.MaxFieldChars) =>
        RedisResultHistory.Parse(key, Encoding.UTF8.GetBytes(value), maxFieldLength);
}
