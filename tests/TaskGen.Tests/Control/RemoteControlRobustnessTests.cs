using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Control;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Tests.Control;

/// <summary>
/// Malformed pidbox requests on <c>memory://</c>: each is logged once with its reason and dropped, and the
/// worker still answers the ping that follows it.
/// </summary>
public sealed class RemoteControlRobustnessTests
{
    private const string Node = "test@unit";

    private static readonly string s_replyTo = """ "reply_to": {"exchange": "reply.celery.pidbox", "routing_key": "nobody"} """;

    public static TheoryData<string, byte[], string> MalformedRequests() => new()
    {
        { "not JSON", Utf8("{\"method\": \"ping\", "), "is not JSON" },
        { "invalid UTF-8", [.. Utf8("{\"method\": \"pi"), 0xC3, 0x28, .. Utf8("ng\", " + s_replyTo + "}")], "not valid UTF-8" },
        { "invalid UTF-8 in a name", [.. Utf8("{\"method\": \"ping\", \"x"), 0xFF, .. Utf8("\": 1}")], "not valid UTF-8" },
        { "invalid pcre pattern", Utf8("{\"method\": \"ping\", \"destination\": null, \"pattern\": \"(unclosed\", \"matcher\": \"pcre\", " + s_replyTo + "}"), "not a valid regular expression" },
        { "unknown matcher", Utf8("{\"method\": \"ping\", \"pattern\": \"test*\", \"matcher\": \"soundex\", " + s_replyTo + "}"), "matcher 'soundex'" },
        { "pattern not a string", Utf8("{\"method\": \"ping\", \"pattern\": 7, \"matcher\": \"pcre\"}"), "'pattern' is a number" },
        { "not an object", Utf8("[\"ping\"]"), "is a JSON array" },
        { "method missing", Utf8("{\"arguments\": {}}"), "'method' is missing" },
        { "method not a string", Utf8("{\"method\": 42}"), "'method' is missing or not a non-empty string" },
        { "arguments not an object", Utf8("{\"method\": \"ping\", \"arguments\": [1]}"), "'arguments' is a array" },
        { "destination not an array", Utf8("{\"method\": \"ping\", \"destination\": \"" + Node + "\"}"), "'destination' is not an array" },
        { "destination of numbers", Utf8("{\"method\": \"ping\", \"destination\": [1, 2]}"), "'destination' is not an array" },
        { "ticket not a string", Utf8("{\"method\": \"ping\", \"ticket\": {}}"), "'ticket' is a object" },
        { "reply_to not an object", Utf8("{\"method\": \"ping\", \"reply_to\": \"reply.celery.pidbox\"}"), "'reply_to' is not an object" },
        { "reply_to without routing key", Utf8("{\"method\": \"ping\", \"reply_to\": {\"exchange\": \"reply.celery.pidbox\"}}"), "'reply_to' is not an object" },
        { "unknown method", Utf8("{\"method\": \"frobnicate\", " + s_replyTo + "}"), "'frobnicate' is unknown" },
        { "revoke with an object id", Utf8("{\"method\": \"revoke\", \"arguments\": {\"task_id\": {\"a\": 1}}, " + s_replyTo + "}"), "'task_id' must be" },
        { "forged log line in the method", Utf8("{\"method\": \"ping\\r\\nINFO forged\", " + s_replyTo + "}"), "'ping\\r\\nINFO forged' is unknown" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task AMalformedRequestIsLoggedAndDroppedAndTheNextPingIsAnswered(string kind, byte[] body, string reason)
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        await env.App.Transport.PublishAsync(RawRequest(body), CancellationToken.None);
        IReadOnlyList<ControlReply> pongs = await new RemoteControlClient(env.App.Transport).PingAsync(MemoryEnvironment.Guard, [Node]);

        Assert.True(pongs.Count == 1, $"No pong after the '{kind}' request. Control log: {string.Join(" | ", log.Messages("TaskGen.Control", LogLevel.Trace))}");
        string warning = Assert.Single(log.Messages("TaskGen.Control"));
        Assert.Contains(reason, warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);
        Assert.DoesNotContain('\r', warning);
    }

    [Fact]
    public async Task ARequestForAnotherNodeByPatternIsIgnoredSilently()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        await env.App.Transport.PublishAsync(RawRequest(Utf8("{\"method\": \"ping\", \"pattern\": \"^other@\", \"matcher\": \"pcre\", " + s_replyTo + "}")), CancellationToken.None);
        IReadOnlyList<ControlReply> pongs = await new RemoteControlClient(env.App.Transport).PingAsync(MemoryEnvironment.Guard, [Node]);

        Assert.Single(pongs);
        Assert.Empty(log.Messages("TaskGen.Control"));
    }

    [Fact]
    public void APcrePatternSelectsNodesAsKombuDoes()
    {
        Assert.True(ControlRequest.TryParse(Utf8("{\"method\": \"ping\", \"pattern\": \"^test@\", \"matcher\": \"pcre\"}"), out ControlRequest? request, out _));

        Assert.True(request.TryMatch(Node, out bool isFor, out _));
        Assert.True(isFor);
        Assert.True(request.TryMatch("other@unit", out isFor, out _));
        Assert.False(isFor);
    }

    [Fact]
    public void APatternThatBacktracksForeverIsCutOffByTheMatchTimeout()
    {
        string node = new string('a', 5000) + "!";
        Assert.True(ControlRequest.TryParse(Utf8("{\"method\": \"ping\", \"pattern\": \"^(a|aa)+$\", \"matcher\": \"pcre\"}"), out ControlRequest? request, out _));

        Assert.False(request.TryMatch(node, out bool isFor, out string? reason));
        Assert.False(isFor);
        Assert.Contains("took longer than", reason, StringComparison.Ordinal);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static TransportMessage RawRequest(byte[] body) =>
        new(Pidbox.Exchange, string.Empty, new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8" }, new Dictionary<string, object?>(), body) { Mandatory = false };
}
