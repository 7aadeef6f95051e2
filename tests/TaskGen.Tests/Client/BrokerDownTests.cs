using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Serialization;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;

namespace TaskGen.Tests.Client;

/// <summary>
/// A producer whose broker is down: <see cref="TaskApp.ConnectAsync"/> says so in one message that names the broker
/// without its password and what to do, and a send that fails logs one line, the stack going to debug logging only.
/// </summary>
public sealed class BrokerDownTests
{
    [Fact]
    public async Task ConnectAsyncThrowsOneMessageThatNamesTheBrokerWithoutItsPasswordAndTheFix()
    {
        int port = FreePort();
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = $"amqp://guest:s3cret@127.0.0.1:{port}//");

        BrokerException down = await Assert.ThrowsAsync<BrokerException>(() => app.ConnectAsync());

        Assert.Equal($"Cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{port}//: Connection refused: start the broker, or set TaskGen:BrokerUrl to one that runs.", down.Message);
    }

    [Fact]
    public async Task ASendToABrokerThatIsDownLogsOneLineWithoutAStackTrace()
    {
        int port = FreePort();
        var log = new CapturedLog();
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = $"amqp://guest:s3cret@127.0.0.1:{port}//";
            b.LoggerFactory = log;
        });

        AsyncResult<JsonElement> result = app.Send(CallByName.Create("tasks.add", "celery", new RawJsonArguments("[1, 2]", null), null));

        await Assert.ThrowsAsync<BrokerException>(() => result.GetAsync(TimeSpan.FromSeconds(30)));
        string line = Assert.Single(log.Entries, e => e.Level >= LogLevel.Warning).Message;
        Assert.Equal($"Sending task {result.Id} (tasks.add) to queue celery failed: Cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{port}//: Connection refused", line);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Debug && e.Message == $"Sending task {result.Id} failed.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
