using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Malformed remote-control requests on a real broker, as any broker user could publish them: the worker logs
/// each one with its reason, drops it, and keeps answering.
/// </summary>
public sealed class ControlRobustnessTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const string ReplyTo = """ "reply_to": {"exchange": "reply.celery.pidbox", "routing_key": "nobody"} """;

    /// <summary>The requests, each with the reason the worker must log for it.</summary>
    private static readonly (byte[] Body, string Reason)[] s_malformed =
    [
        (Utf8("{\"method\": \"ping\", "), "the body is not JSON"),
        ([.. Utf8("{\"method\": \"pi"), 0xC3, 0x28, .. Utf8("ng\", " + ReplyTo + "}")], "the body is not valid UTF-8"),
        (Utf8("{\"method\": \"ping\", \"destination\": null, \"pattern\": \"(unclosed\", \"matcher\": \"pcre\", " + ReplyTo + "}"), "not a valid regular expression"),
        (Utf8("{\"method\": \"ping\", \"pattern\": \"*\", \"matcher\": \"soundex\", " + ReplyTo + "}"), "matcher 'soundex'"),
        (Utf8("{\"method\": 42, " + ReplyTo + "}"), "'method' is missing or not a non-empty string"),
        (Utf8("{\"method\": \"ping\", \"destination\": \"everyone\", " + ReplyTo + "}"), "'destination' is not an array"),
        (Utf8("{\"method\": \"ping\", \"reply_to\": \"reply.celery.pidbox\"}"), "'reply_to' is not an object"),
        (Utf8("{\"method\": \"frobnicate\", " + ReplyTo + "}"), "'frobnicate' is unknown"),
    ];

    [Fact]
    public async Task AWorkerLogsAndDropsEveryMalformedRequestAndStillAnswersPing()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "robust@%h");
        string node = $"robust@{Environment.MachineName}";

        foreach ((byte[] body, _) in s_malformed)
        {
            await App.Transport.PublishAsync(
                new TransportMessage(Pidbox.Exchange, string.Empty, new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8" }, new Dictionary<string, object?>(), body) { Mandatory = false },
                CancellationToken.None);
        }

        // The mailbox answers in order, so this ping is read after every malformed request.
        IReadOnlyList<ControlReply> pongs = await new RemoteControlClient(App.Transport).PingAsync(Guard, [node]);
        Assert.True(pongs.Count == 1, "The worker stopped answering. Its output:\n" + string.Join("\n", worker.Lines));

        (int code, string status) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "ping", "-d", node, "--broker", Broker.Url);
        Assert.True(code == 0, status);

        foreach ((_, string reason) in s_malformed)
        {
            Assert.True(
                worker.Lines.Count(line => line.Contains(reason, StringComparison.Ordinal)) == 1,
                $"Expected one log line with '{reason}'. The worker's output:\n{string.Join("\n", worker.Lines)}");
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
