using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen.Tests.Protocol;

/// <summary>
/// Task protocol v2 as Celery 5.2 writes and reads it: the headers, properties and body TaskGen sends,
/// the messages Python sends, and a clear refusal (with the task id) of everything else.
/// </summary>
public sealed class TaskMessageCodecTests
{
    private const string CeleryDatePattern = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$";
    private const string TaskId = "9a7c2e1b-3f4d-4b5a-8c6d-7e8f9a0b1c2d";
    private const string TaskName = "proj.tasks.add";

    // ---- Encode ----

    [Fact]
    public void EncodeSendsExactlyTheProtocolHeaders()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope());

        string[] expected =
        [
            "argsrepr", "eta", "expires", "group", "group_index", "id", "ignore_result", "kwargsrepr", "lang",
            "origin", "parent_id", "retries", "root_id", "shadow", "task", "timelimit",
        ];
        Assert.Equal(expected, message.Headers.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void EncodeHeaderValues()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope());
        IDictionary<string, object?> headers = message.Headers;

        Assert.Equal("dotnet", headers["lang"]);
        Assert.Equal(TaskName, headers["task"]);
        Assert.Equal(TaskId, headers["id"]);
        Assert.Null(headers["shadow"]);
        Assert.Null(headers["eta"]);
        Assert.Null(headers["expires"]);
        Assert.Null(headers["group"]);
        Assert.Null(headers["group_index"]);
        Assert.Equal(0, headers["retries"]);
        IList timelimit = Assert.IsAssignableFrom<IList>(headers["timelimit"]);
        Assert.Equal(2, timelimit.Count);
        Assert.Null(timelimit[0]);
        Assert.Null(timelimit[1]);
        Assert.Equal(TaskId, headers["root_id"]);
        Assert.Null(headers["parent_id"]);
        Assert.Equal("[2,2]", headers["argsrepr"]);
        Assert.Equal("{}", headers["kwargsrepr"]);
        Assert.Equal("gen4242@test-host", headers["origin"]);
        Assert.Equal(false, headers["ignore_result"]);
    }

    [Fact]
    public void EncodeWorkflowIdsAndRetriesAreSent()
    {
        var envelope = new TaskEnvelope
        {
            Id = TaskId,
            Name = TaskName,
            Arguments = new AddArguments(2, 2),
            RoutingKey = "celery",
            RootId = "root-1",
            ParentId = "parent-1",
            Retries = 3,
            IgnoreResult = true,
        };
        TransportMessage message = TaskMessageCodec.Encode(envelope);
        Assert.Equal("root-1", message.Headers["root_id"]);
        Assert.Equal("parent-1", message.Headers["parent_id"]);
        Assert.Equal(3, message.Headers["retries"]);
        Assert.Equal(true, message.Headers["ignore_result"]);
    }

    [Fact]
    public void EncodeAfterArgumentsThatThrewWritesACleanBody()
    {
        // Bodies on one thread share a writer; a failed encode must not leak into the next one.
        var failing = new TaskEnvelope { Id = TaskId, Name = TaskName, Arguments = new ThrowingArguments(), RoutingKey = "celery" };
        Assert.Throws<InvalidOperationException>(() => TaskMessageCodec.Encode(failing));

        TransportMessage message = TaskMessageCodec.Encode(new TaskEnvelope { Id = TaskId, Name = TaskName, Arguments = new AddArguments(1, 2), RoutingKey = "celery" });
        Assert.Equal("[[1,2],{},null]", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal("[1,2]", message.Headers["argsrepr"]);
    }

    [Fact]
    public void EncodeProperties()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope());
        MessageProperties properties = message.Properties;

        Assert.Equal(TaskId, properties.CorrelationId);
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal("utf-8", properties.ContentEncoding);
        Assert.Equal(2, properties.DeliveryMode);
        Assert.Equal("reply.queue", properties.ReplyTo);
        Assert.Equal(7, properties.Priority);
        Assert.Null(properties.Expiration);
        Assert.Equal(string.Empty, message.Exchange);
        Assert.Equal("celery", message.RoutingKey);
    }

    [Fact]
    public void EncodeWithoutReplyToOrPriorityLeavesThemUnset()
    {
        var envelope = new TaskEnvelope { Id = TaskId, Name = TaskName, Arguments = new AddArguments(1, 2), RoutingKey = "celery" };
        MessageProperties properties = TaskMessageCodec.Encode(envelope).Properties;
        Assert.Null(properties.ReplyTo);
        Assert.Equal(0, properties.Priority);
    }

    [Fact]
    public void EncodeBodyIsArgsKwargsAndNullEmbed()
    {
        TransportMessage message = TaskMessageCodec.Encode(Envelope());
        Assert.Equal("[[2,2],{},null]", Encoding.UTF8.GetString(message.Body.Span));
    }

    [Fact]
    public void EncodeKeywordArgumentsGoToKwargsAndKwargsRepr()
    {
        var envelope = new TaskEnvelope { Id = TaskId, Name = TaskName, Arguments = new KeywordArguments(), RoutingKey = "celery" };
        TransportMessage message = TaskMessageCodec.Encode(envelope);
        Assert.Equal("[[],{\"x\":1},null]", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal("[]", message.Headers["argsrepr"]);
        Assert.Equal("{\"x\":1}", message.Headers["kwargsrepr"]);
    }

    [Fact]
    public void EncodeEtaAndExpiresHaveSixFractionalDigitsInUtc()
    {
        DateTimeOffset eta = new DateTimeOffset(2030, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        DateTimeOffset expires = eta.AddHours(1);
        TransportMessage message = TaskMessageCodec.Encode(Envelope(eta: eta, expires: expires));

        string etaHeader = Assert.IsType<string>(message.Headers["eta"]);
        string expiresHeader = Assert.IsType<string>(message.Headers["expires"]);
        Assert.Matches(CeleryDatePattern, etaHeader);
        Assert.Matches(CeleryDatePattern, expiresHeader);
        Assert.Equal("2030-01-02T03:04:05.123456+00:00", etaHeader);
        Assert.Equal("2030-01-02T04:04:05.123456+00:00", expiresHeader);
    }

    [Fact]
    public void EncodeExpirationIsSetOnlyWhenExpiresIsGiven()
    {
        Assert.Null(TaskMessageCodec.Encode(Envelope(eta: DateTimeOffset.UtcNow.AddHours(1))).Properties.Expiration);

        string? expiration = TaskMessageCodec.Encode(Envelope(expires: DateTimeOffset.UtcNow.AddHours(1))).Properties.Expiration;
        Assert.NotNull(expiration);
        long milliseconds = long.Parse(expiration, NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(milliseconds, 1, 3_600_000);
    }

    [Fact]
    public void EncodeExpiresInThePastSendsNoExpirationSoTheWorkerReportsRevoked()
    {
        // A zero TTL would let the broker drop the message silently; the expires header still travels.
        TransportMessage message = TaskMessageCodec.Encode(Envelope(expires: DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Null(message.Properties.Expiration);
        Assert.NotNull(message.Headers["expires"]);
    }

    [Fact]
    public void EncodeHugeArgumentTruncatesArgsReprTo1024Characters()
    {
        string huge = new('x', 100_000);
        var envelope = new TaskEnvelope { Id = TaskId, Name = TaskName, Arguments = new StringArguments(huge), RoutingKey = "celery" };
        TransportMessage message = TaskMessageCodec.Encode(envelope);

        string argsRepr = Assert.IsType<string>(message.Headers["argsrepr"]);
        Assert.Equal(TaskMessageCodec.MaxReprLength, argsRepr.Length);
        Assert.StartsWith("[\"xxx", argsRepr);
        Assert.EndsWith("...", argsRepr);

        // The body itself is never truncated.
        Assert.Equal("[[\"" + huge + "\"],{},null]", Encoding.UTF8.GetString(message.Body.Span));
    }

    [Fact]
    public void EncodeExtraHeadersAreAddedButNeverReplaceProtocolHeaders()
    {
        var envelope = new TaskEnvelope
        {
            Id = TaskId,
            Name = TaskName,
            Arguments = new AddArguments(2, 2),
            RoutingKey = "celery",
            ExtraHeaders = new Dictionary<string, object?> { ["x-tenant"] = "acme", ["id"] = "forged" },
        };
        TransportMessage message = TaskMessageCodec.Encode(envelope);
        Assert.Equal("acme", message.Headers["x-tenant"]);
        Assert.Equal(TaskId, message.Headers["id"]);
    }

    [Fact]
    public void EncodeThenDecodeRoundTrips()
    {
        DateTimeOffset eta = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560);
        TaskRequest request = TaskMessageCodec.Decode(TaskMessageCodec.Encode(Envelope(eta: eta)));

        Assert.Equal(TaskId, request.Id);
        Assert.Equal(TaskName, request.Name);
        Assert.Equal("[2,2]", Text(request.Args));
        Assert.Equal("{}", Text(request.Kwargs));
        Assert.True(request.Embed.IsEmpty);
        Assert.Equal("dotnet", request.Lang);
        Assert.Equal(eta, request.Eta);
        Assert.Null(request.Expires);
        Assert.Equal("reply.queue", request.ReplyTo);
        Assert.Equal(TaskId, request.RootId);
        Assert.Equal("gen4242@test-host", request.Origin);
        Assert.Equal((null, null), request.TimeLimit);
    }

    // ---- Decode: what Python sends ----

    [Fact]
    public void DecodeAPythonCelery52Message()
    {
        TransportMessage message = PythonMessage("[[2, 2], {}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]");
        TaskRequest request = TaskMessageCodec.Decode(message);

        Assert.Equal(TaskId, request.Id);
        Assert.Equal(TaskName, request.Name);
        Assert.Equal("[2, 2]", Text(request.Args));
        Assert.Equal("{}", Text(request.Kwargs));
        Assert.Equal("{\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}", Text(request.Embed));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560), request.Eta);
        Assert.Null(request.Expires);
        Assert.Equal(1, request.Retries);
        Assert.Equal("c0ffee-reply", request.ReplyTo);
        Assert.Equal(TaskId, request.CorrelationId);
        Assert.Equal("py", request.Lang);
        Assert.Equal(TaskId, request.RootId);
        Assert.Null(request.ParentId);
        Assert.Null(request.Group);
        Assert.Equal("gen1234@pyhost", request.Origin);
        Assert.Equal("(2, 2)", request.ArgsRepr);
        Assert.Equal("{}", request.KwargsRepr);
        Assert.False(request.IgnoreResult);
        Assert.Equal((null, null), request.TimeLimit);

        // The arguments read with the same readers generated code uses.
        var reader = new Utf8JsonReader(request.Args.Span);
        reader.Read();
        Assert.Equal(new List<int> { 2, 2 }, TaskJson.ReadList(ref reader, TaskJson.ReadInt32));
    }

    [Fact]
    public void DecodeTimeLimitIsHardThenSoft()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers["timelimit"] = new List<object?> { 30, 10.5 });
        Assert.Equal((30.0, 10.5), TaskMessageCodec.Decode(message).TimeLimit);
    }

    [Fact]
    public void DecodeKwargsOnlyBody()
    {
        TaskRequest request = TaskMessageCodec.Decode(PythonMessage("[[], {\"x\": 2, \"y\": [1, 2]}, null]"));
        Assert.Equal("[]", Text(request.Args));
        Assert.Equal("{\"x\": 2, \"y\": [1, 2]}", Text(request.Kwargs));
        Assert.True(request.Embed.IsEmpty);
    }

    [Fact]
    public void DecodeEmptyReplyToIsNull()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", replyTo: string.Empty);
        Assert.Null(TaskMessageCodec.Decode(message).ReplyTo);
    }

    [Fact]
    public void DecodeIdFallsBackToCorrelationId()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers.Remove("id"));
        Assert.Equal(TaskId, TaskMessageCodec.Decode(message).Id);
    }

    [Fact]
    public void DecodeZlibCompressedBody()
    {
        byte[] compressed = Zlib("[[2, 2], {}, null]");
        TransportMessage message = PythonMessage(compressed, headers => headers["compression"] = Utf8("application/x-gzip"));
        TaskRequest request = TaskMessageCodec.Decode(message);
        Assert.Equal("[2, 2]", Text(request.Args));
        Assert.Equal("{}", Text(request.Kwargs));
    }

    [Fact]
    public void DecodeCompressedBodyThatDecompressesPastTheLimitIsRefused()
    {
        byte[] compressed = Zlib("[[\"" + new string('a', 10_000) + "\"], {}, null]");
        TransportMessage message = PythonMessage(compressed, headers => headers["compression"] = Utf8("application/x-gzip"));
        Assert.True(compressed.Length < 1_000);

        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message, maxBodySize: 1_000));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("larger than", error.Message);
    }

    [Fact]
    public void DecodeBareNaNAndInfinityReadAsDoubles()
    {
        TaskRequest request = TaskMessageCodec.Decode(PythonMessage("[[NaN, Infinity, -Infinity, \"NaN is a word\"], {\"y\": NaN}, null]"));

        var reader = new Utf8JsonReader(request.Args.Span);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.StartArray, reader.TokenType);
        Assert.True(reader.Read());
        Assert.True(double.IsNaN(TaskJson.ReadDouble(ref reader)));
        Assert.True(reader.Read());
        Assert.Equal(double.PositiveInfinity, TaskJson.ReadDouble(ref reader));
        Assert.True(reader.Read());
        Assert.Equal(double.NegativeInfinity, TaskJson.ReadDouble(ref reader));
        Assert.True(reader.Read());
        Assert.Equal("NaN is a word", TaskJson.ReadString(ref reader));

        Dictionary<string, double> kwargs = ReadKwargs(request.Kwargs);
        Assert.True(double.IsNaN(kwargs["y"]));
    }

    [Fact]
    public void DecodeNaNInsideAnEscapedStringIsLeftAlone()
    {
        TaskRequest request = TaskMessageCodec.Decode(PythonMessage("[[\"say \\\"NaN\\\" Infinity\", NaN], {}, null]"));
        Assert.Equal("[\"say \\\"NaN\\\" Infinity\",\"NaN\"]", Text(request.Args).Replace(", ", ",", StringComparison.Ordinal));
    }

    // ---- Decode: refusals ----

    [Theory]
    [InlineData("[[2, 2], {", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"args\": [], \"kwargs\": {}}", "must be a JSON array")]
    [InlineData("\"text\"", "must be a JSON array")]
    [InlineData("[[2, 2], {}]", "three items")]
    [InlineData("[[2, 2]]", "kwargs item must be an object")]
    [InlineData("[[2, 2], {}, null, 1]", "exactly three items")]
    [InlineData("[[2, 2], {}, {}, {}]", "exactly three items")]
    [InlineData("[{\"x\": 2}, {}, null]", "args item must be an array")]
    [InlineData("[null, {}, null]", "args item must be an array")]
    [InlineData("[[2, 2], [], null]", "kwargs item must be an object")]
    [InlineData("[[2, 2], {}, 5]", "embed")]
    [InlineData("[[2, 2], {}, null] []", "after")]
    [InlineData("[[NaN], [], null]", "kwargs item must be an object")]
    [InlineData("[[NaN], {}]", "three items")]
    [InlineData("[[NaN], {}, null] x", "not valid JSON")]
    public void DecodeMalformedBodyIsRefusedWithTheTaskIdAndAReason(string body, string reason)
    {
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(PythonMessage(body)));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Equal(TaskName, error.TaskName);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void DecodeMissingTaskHeaderIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers.Remove("task"));
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("'task' header", error.Message);
    }

    [Fact]
    public void DecodeProtocolV1MessageIsRefusedAsV1()
    {
        // Protocol v1 carries the task name and id in a dict body, and no protocol headers.
        string body = "{\"task\": \"" + TaskName + "\", \"id\": \"" + TaskId + "\", \"args\": [2, 2], \"kwargs\": {}}";
        TransportMessage message = PythonMessage(body, headers => headers.Clear());
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("protocol v1", error.Message);
    }

    [Fact]
    public void DecodeMissingIdIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers.Remove("id"), correlationId: null);
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Null(error.TaskId);
        Assert.Equal(TaskName, error.TaskName);
        Assert.Contains("'id'", error.Message);
    }

    [Fact]
    public void DecodePickleContentTypeIsRefusedNamingJson()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", contentType: "application/x-python-serialize");
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("application/x-python-serialize", error.Message);
        Assert.Contains("pickle", error.Message);
        Assert.Contains("application/json", error.Message);
    }

    [Fact]
    public void DecodeYamlContentTypeIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", contentType: "application/x-yaml");
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("application/x-yaml", error.Message);
        Assert.Contains("application/json", error.Message);
    }

    [Fact]
    public void DecodeNonUtf8ContentEncodingIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", contentEncoding: "binary");
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("'binary'", error.Message);
    }

    [Theory]
    [InlineData("eta")]
    [InlineData("expires")]
    public void DecodeBadDateIsRefusedNamingTheHeader(string header)
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers[header] = Utf8("next tuesday"));
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("'" + header + "'", error.Message);
        Assert.Contains("next tuesday", error.Message);
    }

    [Fact]
    public void DecodeBodyOverTheMaximumSizeIsRefused()
    {
        TransportMessage message = PythonMessage("[[\"" + new string('a', 100) + "\"], {}, null]");
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message, maxBodySize: 64));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("more than the 64 bytes", error.Message);
    }

    [Fact]
    public void DecodeUnknownCompressionIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers["compression"] = Utf8("application/x-bz2"));
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("application/x-bz2", error.Message);
    }

    [Fact]
    public void DecodeCorruptCompressedBodyIsRefused()
    {
        TransportMessage message = PythonMessage("[[], {}, null]", headers => headers["compression"] = Utf8("application/x-gzip"));
        MalformedMessageException error = Assert.Throws<MalformedMessageException>(() => TaskMessageCodec.Decode(message));
        Assert.Equal(TaskId, error.TaskId);
        Assert.Contains("decompressed", error.Message);
    }

    // ---- helpers ----

    private static TaskEnvelope Envelope(DateTimeOffset? eta = null, DateTimeOffset? expires = null) => new()
    {
        Id = TaskId,
        Name = TaskName,
        Arguments = new AddArguments(2, 2),
        RoutingKey = "celery",
        ReplyTo = "reply.queue",
        Priority = 7,
        Origin = "gen4242@test-host",
        Eta = eta,
        Expires = expires,
    };

    /// <summary>A message as RabbitMQ.Client hands over what Python Celery 5.2 sent: strings as UTF-8 byte arrays.</summary>
    internal static TransportMessage PythonMessage(
        string body,
        Action<Dictionary<string, object?>>? editHeaders = null,
        string? contentType = "application/json",
        string? contentEncoding = "utf-8",
        string? correlationId = TaskId,
        string replyTo = "c0ffee-reply") =>
        PythonMessage(Utf8(body), editHeaders, contentType, contentEncoding, correlationId, replyTo);

    private static TransportMessage PythonMessage(
        byte[] body,
        Action<Dictionary<string, object?>>? editHeaders = null,
        string? contentType = "application/json",
        string? contentEncoding = "utf-8",
        string? correlationId = TaskId,
        string replyTo = "c0ffee-reply")
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["lang"] = Utf8("py"),
            ["task"] = Utf8(TaskName),
            ["id"] = Utf8(TaskId),
            ["shadow"] = null,
            ["eta"] = Utf8("2030-01-02T03:04:05.123456+00:00"),
            ["expires"] = null,
            ["group"] = null,
            ["group_index"] = null,
            ["retries"] = 1,
            ["timelimit"] = new List<object?> { null, null },
            ["root_id"] = Utf8(TaskId),
            ["parent_id"] = null,
            ["argsrepr"] = Utf8("(2, 2)"),
            ["kwargsrepr"] = Utf8("{}"),
            ["origin"] = Utf8("gen1234@pyhost"),
            ["ignore_result"] = false,
        };
        editHeaders?.Invoke(headers);
        var properties = new MessageProperties
        {
            CorrelationId = correlationId,
            ReplyTo = replyTo,
            ContentType = contentType,
            ContentEncoding = contentEncoding,
            DeliveryMode = 2,
            Priority = 0,
        };
        return new TransportMessage(string.Empty, "celery", properties, headers, body);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> json) => Encoding.UTF8.GetString(json.Span);

    private static byte[] Zlib(string text)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(Utf8(text));
        }

        return output.ToArray();
    }

    private static Dictionary<string, double> ReadKwargs(ReadOnlyMemory<byte> kwargs)
    {
        var reader = new Utf8JsonReader(kwargs.Span);
        reader.Read();
        return TaskJson.ReadDictionary(ref reader, TaskJson.ReadDouble);
    }

    /// <summary>Arguments like a generated stub's: two integers by position.</summary>
    private sealed class AddArguments(int x, int y) : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            TaskJson.WriteInt32(writer, x);
            TaskJson.WriteInt32(writer, y);
            writer.WriteEndArray();
        }
    }

    private sealed class ThrowingArguments : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(1);
            throw new InvalidOperationException("The value cannot be written.");
        }
    }

    private sealed class StringArguments(string value) : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            TaskJson.WriteString(writer, value);
            writer.WriteEndArray();
        }
    }

    private sealed class KeywordArguments : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
        }

        public override void WriteKwargs(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteNumber("x", 1);
            writer.WriteEndObject();
        }
    }

    [Fact]
    public void AGroupMembersGroupIdAndIndexTravelInTheHeadersAndAreReadBack()
    {
        var envelope = new TaskEnvelope { Id = "t1", Name = "tasks.add", Arguments = new TaskGen.Serialization.RawJsonArguments("[1, 2]"), RoutingKey = "celery", Group = "g1", GroupIndex = 3 };

        TransportMessage message = TaskMessageCodec.Encode(envelope);
        TaskRequest request = TaskMessageCodec.Decode(message);

        Assert.Equal("g1", message.Headers["group"]);
        Assert.Equal(3, message.Headers["group_index"]);
        Assert.Equal("g1", request.Group);
        Assert.Equal(3, request.GroupIndex);
    }

    [Theory]
    [InlineData(2L, 2)]
    [InlineData((short)5, 5)]
    [InlineData("7", null)]
    public void AGroupIndexIsReadFromTheIntegerWidthAmqpGivesIt(object sent, int? read)
    {
        var message = TaskMessageCodec.Encode(new TaskEnvelope { Id = "t1", Name = "tasks.add", Arguments = new TaskGen.Serialization.RawJsonArguments("[]"), RoutingKey = "celery", Group = "g" });
        message.Headers["group_index"] = sent;

        Assert.Equal(read, TaskMessageCodec.Decode(message).GroupIndex);
    }

    [Theory]
    [InlineData(4L, 4)]
    [InlineData(3, 3)]
    [InlineData(0, null)]
    [InlineData(-2, null)]
    [InlineData("4", null)]
    public void ACarriedChordSizeIsReadOnlyAsAPositiveInteger(object sent, int? read)
    {
        var message = TaskMessageCodec.Encode(new TaskEnvelope { Id = "t1", Name = "tasks.add", Arguments = new TaskGen.Serialization.RawJsonArguments("[]"), RoutingKey = "celery", Group = "g" });
        message.Headers[TaskRequest.ChordSizeHeader] = sent;

        Assert.Equal(read, TaskMessageCodec.Decode(message).CarriedChordSize);
    }

    [Fact]
    public void AMessageWithoutTheChordSizeHeaderCarriesNoChordSize() =>
        Assert.Null(TaskMessageCodec.Decode(TaskMessageCodec.Encode(new TaskEnvelope { Id = "t1", Name = "tasks.add", Arguments = new TaskGen.Serialization.RawJsonArguments("[]"), RoutingKey = "celery", Group = "g", GroupIndex = 0 })).CarriedChordSize);
}
