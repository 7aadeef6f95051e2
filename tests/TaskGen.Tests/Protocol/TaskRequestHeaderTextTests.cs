using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Tests.Protocol;

/// <summary>
/// Header strings made on first read: a decoded request reads the same text as before, a request built by hand
/// returns exactly what it was given, and the strings a worker would make for every message are shared.
/// </summary>
public sealed class TaskRequestHeaderTextTests
{
    private const string TaskId = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d";

    [Fact]
    public void DecodeRootIdEqualToTheIdIsTheIdString()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage());

        Assert.Same(request.Id, request.RootId);
    }

    [Fact]
    public void DecodeRootIdOfAnotherTaskIsItsOwnText()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage(headers => headers["root_id"] = Utf8("root-7")));

        Assert.Equal("root-7", request.RootId);
        Assert.Same(request.RootId, request.RootId);
    }

    [Fact]
    public void DecodeHeaderStringsReadAsSentAndOnceMadeStaySame()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage(headers =>
        {
            headers["group"] = Utf8("group-1");
            headers["parent_id"] = Utf8("parent-1");
        }));

        Assert.Equal("py", request.Lang);
        Assert.Equal("group-1", request.Group);
        Assert.Equal("parent-1", request.ParentId);
        Assert.Equal("gen1234@pyhost", request.Origin);
        Assert.Equal("(2, 2)", request.ArgsRepr);
        Assert.Equal("{}", request.KwargsRepr);
        Assert.Same(request.Origin, request.Origin);
        Assert.Same(request.ParentId, request.ParentId);
    }

    [Fact]
    public void DecodeNonStringHeaderValuesReadAsTheirInvariantText()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage(headers =>
        {
            headers["root_id"] = 42L;
            headers["origin"] = 1.5;
        }));

        Assert.Equal("42", request.RootId);
        Assert.Equal("1.5", request.Origin);
    }

    [Fact]
    public void DecodeHeaderStringsReadFromManyThreadsAllSeeTheSameText()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage());
        var seen = new string?[16];

        Parallel.For(0, seen.Length, i => seen[i] = request.Origin + "|" + request.ArgsRepr + "|" + request.Lang);

        Assert.All(seen, text => Assert.Equal("gen1234@pyhost|(2, 2)|py", text));
    }

    [Fact]
    public void DecodeTheSameTaskNameTwiceGivesOneString()
    {
        TaskRequest first = TaskMessageCodec.Decode(AmqpMessage());
        TaskRequest second = TaskMessageCodec.Decode(AmqpMessage());
        TaskRequest other = TaskMessageCodec.Decode(AmqpMessage(headers => headers["task"] = Utf8("proj.tasks.mul")));

        Assert.Equal("proj.tasks.add", first.Name);
        Assert.Same(first.Name, second.Name);
        Assert.Equal("proj.tasks.mul", other.Name);
    }

    [Fact]
    public void DecodeANameWhoseBytesChangeAfterwardsKeepsItsText()
    {
        byte[] name = Utf8("proj.tasks.sub");
        TaskRequest first = TaskMessageCodec.Decode(AmqpMessage(headers => headers["task"] = name));
        name[^1] = (byte)'m';

        TaskRequest second = TaskMessageCodec.Decode(AmqpMessage(headers => headers["task"] = Utf8("proj.tasks.sub")));

        Assert.Equal("proj.tasks.sub", first.Name);
        Assert.Equal("proj.tasks.sub", second.Name);
    }

    [Fact]
    public void DecodeWithoutEtaExpiresOrTimeLimitReadsNone()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage(headers => headers["eta"] = null));

        Assert.Null(request.Eta);
        Assert.Null(request.Expires);
        Assert.Equal((null, null), request.TimeLimit);
    }

    [Fact]
    public void DecodeWithExpiresAndTimeLimitReadsThem()
    {
        TaskRequest request = TaskMessageCodec.Decode(AmqpMessage(headers =>
        {
            headers["eta"] = null;
            headers["expires"] = Utf8("2030-01-02T03:04:05.000000+00:00");
            headers["timelimit"] = new List<object?> { 30, 10.5 };
        }));

        Assert.Null(request.Eta);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), request.Expires);
        Assert.Equal((30.0, 10.5), request.TimeLimit);
    }

    [Fact]
    public void BuiltByHandReadsWhatItWasGivenAndNotItsHeaders()
    {
        var eta = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        var given = new TaskRequest
        {
            Id = TaskId,
            Name = "proj.tasks.add",
            Args = "[]"u8.ToArray(),
            Kwargs = "{}"u8.ToArray(),
            Lang = "dotnet",
            Origin = "gen1@host",
            Eta = eta,
            TimeLimit = (5, null),
            RootId = "root-1",
            Headers = new Dictionary<string, object?> { ["lang"] = Utf8("py"), ["argsrepr"] = Utf8("(1,)"), ["parent_id"] = Utf8("p") },
        };

        Assert.Equal("dotnet", given.Lang);
        Assert.Equal("gen1@host", given.Origin);
        Assert.Equal(eta, given.Eta);
        Assert.Equal(TimeSpan.FromHours(2), given.Eta!.Value.Offset);
        Assert.Equal((5.0, (double?)null), given.TimeLimit);
        Assert.Equal("root-1", given.RootId);
        Assert.Null(given.ArgsRepr);
        Assert.Null(given.ParentId);
        Assert.Null(given.Group);
        Assert.Null(given.Expires);
    }

    [Fact]
    public void BuiltByHandWithNothingOptionalReadsNulls()
    {
        var given = new TaskRequest { Id = TaskId, Name = "proj.tasks.add", Args = "[]"u8.ToArray(), Kwargs = "{}"u8.ToArray() };

        Assert.Null(given.Lang);
        Assert.Null(given.RootId);
        Assert.Null(given.Eta);
        Assert.Equal((null, null), given.TimeLimit);
    }

    /// <summary>A message as RabbitMQ.Client hands over what Python Celery 5.2 sent, as the codec's own tests build it.</summary>
    private static TransportMessage AmqpMessage(Action<Dictionary<string, object?>>? editHeaders = null) =>
        TaskMessageCodecTests.PythonMessage("[[2, 2], {}, null]", editHeaders);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
