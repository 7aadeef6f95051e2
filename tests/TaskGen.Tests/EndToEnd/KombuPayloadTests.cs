using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen.Tests.EndToEnd;

/// <summary>
/// Bodies as kombu writes them: 5.3 tags dates, decimals, UUIDs and bytes as <c>{"__type__", "__value__"}</c>;
/// 5.2 writes plain strings. A generated task reads both.
/// </summary>
public sealed class KombuPayloadTests
{
    // Captured from kombu 5.3's JSON encoder (datetime, Decimal, UUID, date, time and bytes arguments).
    private const string Kombu53Args = """
        [{"__type__": "datetime", "__value__": "2026-11-23T21:47:12.123456+00:00"},
         {"__type__": "decimal", "__value__": "1234.50"},
         {"__type__": "uuid", "__value__": {"hex": "6f1c2b3a4d5e4f60a1b2c3d4e5f60718"}},
         {"__type__": "date", "__value__": "2026-11-23"},
         {"__type__": "time", "__value__": "21:47:12.000500"},
         {"__type__": "bytes", "__value__": "caf\u00e9"}]
        """;

    // The same call as kombu 5.2 writes it: plain strings, and bytes as base64.
    private const string Kombu52Args = """
        ["2026-11-23T21:47:12.123456+00:00", "1234.50", "6f1c2b3a-4d5e-4f60-a1b2-c3d4e5f60718", "2026-11-23", "21:47:12.000500", "Y2Fmw6k="]
        """;

    private const string Expected = "2026-11-23T21:47:12.1234560Z|1234.50|6f1c2b3a-4d5e-4f60-a1b2-c3d4e5f60718|2026-11-23|21:47:12.0005000|café";

    [Theory]
    [InlineData(Kombu53Args)]
    [InlineData(Kombu52Args)]
    public async Task TaggedAndPlainValuesReadTheSame(string args)
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<JsonElement> result = await env.App.SendAsync(new Signature<JsonElement>(
            new TaskDescriptor<JsonElement>(Remote.TestTasks.Describe.Name, "celery", null, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader)),
            new RawJsonArguments(args)));

        Assert.Equal(Expected, (await result.GetAsync(MemoryEnvironment.Guard)).GetString());
    }

    [Fact]
    public void ACapturedPythonMessageDecodes()
    {
        // Headers as RabbitMQ.Client hands over a Python producer's message: long strings as UTF-8 bytes.
        var headers = new Dictionary<string, object?>
        {
            ["lang"] = "py"u8.ToArray(),
            ["task"] = Encoding.UTF8.GetBytes(Remote.TestTasks.Describe.Name),
            ["id"] = "4a01eb4e-6663-4fb2-8f14-3c32a61d3c79"u8.ToArray(),
            ["shadow"] = null,
            ["eta"] = "2026-11-23T22:36:23.625085+00:00"u8.ToArray(),
            ["expires"] = null,
            ["retries"] = 0,
            ["timelimit"] = new List<object?> { null, null },
            ["root_id"] = "4a01eb4e-6663-4fb2-8f14-3c32a61d3c79"u8.ToArray(),
            ["parent_id"] = null,
            ["argsrepr"] = "(datetime.datetime(2026, 11, 23, 21, 47, 12, 123456, tzinfo=datetime.timezone.utc), ...)"u8.ToArray(),
            ["origin"] = "gen11260@vm"u8.ToArray(),
            ["ignore_result"] = false,
            ["x-trace"] = "abc"u8.ToArray(),
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = "4a01eb4e-6663-4fb2-8f14-3c32a61d3c79", ReplyTo = "cf9eb0a1-a8d4-39bf-b0b0-aea7e84e2ed4" };
        byte[] body = Encoding.UTF8.GetBytes($"[{Kombu53Args}, {{}}, {{\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}}]");

        TaskRequest request = TaskMessageCodec.Decode(new TransportMessage(string.Empty, "celery", properties, headers, body));

        Assert.Equal(Remote.TestTasks.Describe.Name, request.Name);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 22, 36, 23, TimeSpan.Zero).AddTicks(6250850), request.Eta);
        Assert.Equal("py", request.Lang);
        Assert.Equal("cf9eb0a1-a8d4-39bf-b0b0-aea7e84e2ed4", request.ReplyTo);
        Assert.False(request.Embed.IsEmpty);
    }
}
