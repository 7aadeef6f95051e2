using System.Text;
using TaskGen.Redis;
using TaskGen.Results;

namespace TaskGen.Tests.Results;

/// <summary>The values the Redis group store writes and reads: Celery's group tuple, and each chord part as Celery's RedisBackend encodes it.</summary>
public sealed class RedisGroupStoreTests
{
    [Fact]
    public void ASavedGroupIsCelerysGroupResultTuple()
    {
        byte[] encoded = RedisGroupStore.EncodeGroup("g1", ["a", "b"]);

        Assert.Equal("""{"result":[["g1",null],[[["a",null],null],[["b",null],null]]]}""", Encoding.UTF8.GetString(encoded));
        Assert.Equal(["a", "b"], RedisGroupStore.DecodeGroup(encoded));
    }

    [Fact]
    public void AGroupSavedByCeleryIsRead() =>
        Assert.Equal(["t1", "t2"], RedisGroupStore.DecodeGroup(Encoding.UTF8.GetBytes("""{"result": [["g9", null], [[["t1", null], null], [["t2", ["p", null]], null]]]}""")));

    [Fact]
    public void AChordPartIsEncodedAsCeleryDoes() =>
        Assert.Equal("""[1, "t1", "SUCCESS", {"x": [1, 2]}]""", Encoding.UTF8.GetString(RedisGroupStore.EncodePart("t1", TaskState.Success, Encoding.UTF8.GetBytes("""{"x": [1, 2]}"""))));

    [Fact]
    public void AFailedChordPartCarriesItsEncodedException()
    {
        byte[] encoded = RedisGroupStore.EncodePart("t2", TaskState.Failure, Encoding.UTF8.GetBytes("""{"exc_type":"ValueError","exc_message":["boom"],"exc_module":"builtins"}"""));
        ChordPart part = RedisGroupStore.DecodePart(encoded);

        Assert.Equal("t2", part.TaskId);
        Assert.Equal(TaskState.Failure, part.State);
        Assert.Equal("""{"exc_type":"ValueError","exc_message":["boom"],"exc_module":"builtins"}""", Encoding.UTF8.GetString(part.ResultJson.Span));
    }

    [Fact]
    public void AChordPartWithoutAResultIsEncodedWithNull() =>
        Assert.Equal("""[1, "t3", "SUCCESS", null]""", Encoding.UTF8.GetString(RedisGroupStore.EncodePart("t3", TaskState.Success, default)));

    [Fact]
    public void AChordPartThatIsNotCelerysTupleIsRefused() =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => RedisGroupStore.DecodePart(Encoding.UTF8.GetBytes("""{"a": 1}""")));

    [Fact]
    public void TheKeysAreCelerysTasksetKeys() => Assert.Equal("celery-taskset-meta-g1", RedisGroupStore.Key("g1"));
}
