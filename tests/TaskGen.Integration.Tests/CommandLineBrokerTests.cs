using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The sample's program as its own process: the broker it picks (<c>--broker</c>, <c>TaskGen__BrokerUrl</c>,
/// <c>CELERY_BROKER_URL</c>, Celery's default), what <c>status</c> says when no broker answers, and <c>purge</c> and
/// <c>call</c> with names nobody has. Environment variables go to the child process only, never to the test process.
/// </summary>
public sealed class CommandLineBrokerTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private const string Password = "n0t-Sh0wn";

    // A queue only the broker has, as a Python worker's would be: the sample program does not declare it.
    private const string BrokerOnlyQueue = "cli.broker-only";

    [Fact]
    public async Task StatusThatReachesNoBrokerSaysSoInOneLineAndExits69()
    {
        int port = FreePort();
        string url = $"amqp://guest:{Password}@127.0.0.1:{port}//";

        foreach ((string[] arguments, Dictionary<string, string> environment) in new[]
        {
            (new[] { "status", "--broker", url }, new Dictionary<string, string>()),
            (new[] { "inspect", "ping" }, new Dictionary<string, string> { ["CELERY_BROKER_URL"] = url }),
        })
        {
            (int code, string output) = await RunAsync(arguments, environment);

            Assert.True(code == 69, output);
            Assert.Equal($"Cannot reach the broker at amqp://guest:***@127.0.0.1:{port}//: connection refused. Start RabbitMQ or pass --broker.", output);
            Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CeleryBrokerUrlIsHonouredAndTaskGensOwnSettingAndTheOptionWinOverIt()
    {
        string unreachable = $"amqp://guest:guest@127.0.0.1:{FreePort()}//";

        // CELERY_BROKER_URL alone: the command works on the test's broker, where the messages are.
        await FillAsync(2);
        (int code, string output) = await RunAsync(["purge", "-Q", BrokerOnlyQueue], new() { ["CELERY_BROKER_URL"] = Broker.Url });
        Assert.True(code == 0, output);
        Assert.Contains("Purged 2 messages from 1 known task queue.", output, StringComparison.Ordinal);
        Assert.Equal(0u, await ReadyAsync(BrokerOnlyQueue));

        // TaskGen__BrokerUrl over CELERY_BROKER_URL.
        await FillAsync(1);
        (code, output) = await RunAsync(["purge", "-Q", BrokerOnlyQueue], new() { ["TaskGen__BrokerUrl"] = Broker.Url, ["CELERY_BROKER_URL"] = unreachable });
        Assert.True(code == 0, output);
        Assert.Equal(0u, await ReadyAsync(BrokerOnlyQueue));

        // --broker over both.
        await FillAsync(1);
        (code, output) = await RunAsync(["purge", "-Q", BrokerOnlyQueue, "--broker", Broker.Url], new() { ["TaskGen__BrokerUrl"] = unreachable, ["CELERY_BROKER_URL"] = unreachable });
        Assert.True(code == 0, output);
        Assert.Equal(0u, await ReadyAsync(BrokerOnlyQueue));

        // And the other way round: CELERY_BROKER_URL unreachable is the broker the command names.
        (code, output) = await RunAsync(["status"], new() { ["CELERY_BROKER_URL"] = unreachable });
        Assert.True(code == 69, output);
        Assert.StartsWith("Cannot reach the broker at amqp://guest:***@127.0.0.1:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PurgeOfAQueueNeitherTheProgramNorTheBrokerHasExits64AndCreatesNothing()
    {
        (int code, string output) = await RunAsync(["purge", "-Q", "calk", "--broker", Broker.Url], new());

        Assert.True(code == 64, output);
        Assert.Equal("Unknown queue 'calk': neither this program nor the broker has a queue by that name. Did you mean calc?", output);
        Assert.Null(await App.Transport.InspectQueueAsync("calk", CancellationToken.None));
    }

    [Fact]
    public async Task CallWithAnUnknownNameFailsAtOnceNamingTheTask()
    {
        (int code, string output) = await RunAsync(["call", "RectArea", "[2,2]", "--broker", Broker.Url], new());

        Assert.True(code == 64, output);
        Assert.Equal(
            "Unknown task 'RectArea'. Did you mean CeleryApp.Tasks.Geometry.RectArea?\n"
            + "To send it as written to another program's worker (a Python one, say), pass --unregistered.",
            output);
    }

    private async Task FillAsync(int count)
    {
        await TaskQueueTopology.DeclareAsync(App.Transport, new QueueDeclaration(BrokerOnlyQueue), CancellationToken.None);
        for (int i = 0; i < count; i++)
        {
            var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = Guid.NewGuid().ToString() };
            await App.Transport.PublishAsync(new TransportMessage(string.Empty, BrokerOnlyQueue, properties, new Dictionary<string, object?>(), "[[], {}, {}]"u8.ToArray()), CancellationToken.None);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] arguments, Dictionary<string, string> environment)
    {
        await using ProgramProcess command = ProgramProcess.StartExecutable("dotnet", [CeleryAppProgram, .. arguments], environment);
        await command.WaitForExitAsync();
        return (command.ExitCode, string.Join("\n", command.Lines));
    }

    private static int FreePort()
    {
        // Bound then released: nothing listens on it while the test runs.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
