using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using TaskGen.Cli;
using TaskGen.Hosting;
using TaskGen.Tests.Hosting;
using TaskGen.Transport;

namespace TaskGen.Tests.Cli;

/// <summary>
/// Which broker a command uses: <c>--broker</c>, then <c>TaskGen:BrokerUrl</c>, then <c>CELERY_BROKER_URL</c>, then
/// Celery's default on localhost, never <c>memory://</c> unless named; and the one line a command prints when it
/// cannot reach the broker. The environment is passed in, never set on the process, which tests share.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class CommandLineBrokerTests
{
    private const string Password = "s3cr3t-Pa55";

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public void TheOptionWinsThenTheConfigurationThenCelerysDefault()
    {
        IConfiguration none = Configuration(new());
        IConfiguration configured = Configuration(new() { ["TaskGen:BrokerUrl"] = "amqp://h1//" });
        IConfiguration list = Configuration(new() { ["TaskGen:BrokerUrl:0"] = "amqp://h1//", ["TaskGen:BrokerUrl:1"] = "amqp://h2//" });
        IConfiguration blank = Configuration(new() { ["TaskGen:BrokerUrl"] = " " });

        Assert.Equal("memory://", CommandLineBroker.Resolve("memory://", configured));
        Assert.Null(CommandLineBroker.Resolve(null, configured));
        Assert.Null(CommandLineBroker.Resolve(null, list));
        Assert.Equal("amqp://guest:guest@localhost:5672//", CommandLineBroker.Resolve(null, none));
        Assert.Equal(CommandLineBroker.CeleryDefault, CommandLineBroker.Resolve(null, blank));
    }

    [Fact]
    public void CeleryBrokerUrlOverridesTheFilesAndTaskGensOwnSettingOverridesIt()
    {
        string folder = Directory.CreateTempSubdirectory("taskgen-cli-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), """{ "TaskGen": { "BrokerUrl": "amqp://from-file//" } }""");
            Func<string, string?> celery = Variables(new() { ["CELERY_BROKER_URL"] = " amqp://from-celery// " });

            Assert.Equal("amqp://from-file//", Bound(TaskAppConfiguration.Load(basePath: folder, variable: Variables(new()))));
            Assert.Equal("amqp://from-celery//", Bound(TaskAppConfiguration.Load(basePath: folder, variable: celery)));
            Assert.Equal("amqp://from-args//", Bound(TaskAppConfiguration.Load(["status", "--TaskGen:BrokerUrl=amqp://from-args//"], folder, celery)));
            Assert.Equal("amqp://from-file//", Bound(TaskAppConfiguration.Load(basePath: folder, variable: Variables(new() { ["CELERY_BROKER_URL"] = "" }))));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WithNothingConfiguredACommandUsesCelerysDefaultBrokerNotMemory()
    {
        // The transport is replaced so nothing is dialled; what the command chose is what its options hold.
        string? chosen = null;
        (int code, _, string error) = await RunAsync(
            ["status", "-t", "0.1"],
            Variables(new()),
            b =>
            {
                chosen = b.Options.BrokerUrl;
                b.Transport = new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N")));
            });

        Assert.Equal(CommandLineBroker.CeleryDefault, chosen);
        Assert.Equal(69, code);
        Assert.Contains("No nodes replied", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheWorkerSaysWhichBrokerItUsesBeforeItConnectsAndThatItIsCelerysDefault()
    {
        string? chosen = null;
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        Task<int> worker = TaskAppHost.RunAsync(
            ["worker", "-Q", "celery", "-n", "banner@unit"],
            b =>
            {
                chosen = b.Options.BrokerUrl;
                b.Transport = new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N")));
            },
            output,
            error,
            stop.Token,
            Variables(new()));

        await WaitUntilAsync(() => worker.IsCompleted || output.ToString().Contains(" ready: ", StringComparison.Ordinal));
        await stop.CancelAsync();
        Assert.Equal(0, await worker.WaitAsync(Guard));

        Assert.Equal(CommandLineBroker.CeleryDefault, chosen);
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Using broker memory:// (Celery's default: none is set by --broker, TaskGen:BrokerUrl or CELERY_BROKER_URL).", lines[0]);
        Assert.StartsWith("banner@unit ready: ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheWorkerNamesTheBrokerCeleryBrokerUrlGivesIt()
    {
        string name = Guid.NewGuid().ToString("N");
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        Task<int> worker = TaskAppHost.RunAsync(
            ["worker", "-Q", "celery", "-n", "env@unit"], null, output, error, stop.Token, Variables(new() { ["CELERY_BROKER_URL"] = "memory://" + name }));

        await WaitUntilAsync(() => worker.IsCompleted || output.ToString().Contains(" ready: ", StringComparison.Ordinal));

        // The worker consumes the named in-process broker, so its queue has a consumer there.
        Assert.Equal(1u, (await new InMemoryTransport(InMemoryBroker.Named(name)).InspectQueueAsync("celery", CancellationToken.None))?.Consumers);
        await stop.CancelAsync();
        Assert.Equal(0, await worker.WaitAsync(Guard));
        Assert.StartsWith("Using broker memory://." + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("inspect", "ping")]
    [InlineData("revoke", "some-id")]
    [InlineData("purge", "-Q", "celery")]
    [InlineData("deadletters", "list")]
    public async Task ACommandThatReachesNoBrokerSaysSoInOneLineAndExits69(params string[] command)
    {
        // CELERY_BROKER_URL as Celery users set it, pointing at a loopback port nothing listens on.
        int port = FreePort();
        (int code, string output, string error) = await RunAsync(
            command, Variables(new() { ["CELERY_BROKER_URL"] = $"amqp://guest:{Password}@127.0.0.1:{port}//" }));

        Assert.Equal(69, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"Cannot reach the broker at amqp://guest:***@127.0.0.1:{port}//: connection refused. Start RabbitMQ or pass --broker.{Environment.NewLine}", error);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBrokerOptionWinsOverCeleryBrokerUrl()
    {
        (int code, _, string error) = await RunAsync(
            ["status", "-t", "0.1", "--broker", "memory://" + Guid.NewGuid().ToString("N")],
            Variables(new() { ["CELERY_BROKER_URL"] = $"amqp://guest:guest@127.0.0.1:{FreePort()}//" }));

        // The in-process broker was reached (no worker on it answers); the unreachable one was never tried.
        Assert.Equal(69, code);
        Assert.Contains("No nodes replied", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot reach", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUnreachableLineNamesTheCauseInAFewWords()
    {
        var refused = new BrokerException(
            "Cannot connect to RabbitMQ at amqp://u:***@h//: Connection refused",
            new RabbitMQ.Client.Exceptions.BrokerUnreachableException(new AggregateException(new SocketException((int)SocketError.ConnectionRefused))));
        var unknownHost = new BrokerException(
            "Cannot connect",
            new RabbitMQ.Client.Exceptions.BrokerUnreachableException(new AggregateException(new SocketException((int)SocketError.HostNotFound))));
        var refusedOperation = new BrokerException("RabbitMQ at amqp://h// refused the operation", replyCode: 406);

        Assert.True(CommandLineBroker.IsUnreachable(refused));
        Assert.False(CommandLineBroker.IsUnreachable(refusedOperation));
        Assert.Equal("Cannot reach the broker at amqp://u:***@h//: connection refused. Start RabbitMQ or pass --broker.", CommandLineBroker.Unreachable("amqp://u:***@h//", refused));
        Assert.Equal("Cannot reach the broker at amqp://u:***@nowhere//: host not found. Check the host name, or pass --broker.", CommandLineBroker.Unreachable("amqp://u:***@nowhere//", unknownHost));
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

    private static Func<string, string?> Variables(Dictionary<string, string> variables) =>
        name => variables.TryGetValue(name, out string? value) ? value : null;

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static string Bound(IConfiguration configuration)
    {
        var options = new TaskAppOptions();
        TaskAppConfiguration.Bind(configuration, options);
        return options.BrokerUrl;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            await Task.Delay(20, guard.Token);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, Func<string, string?> environment, Action<TaskAppBuilder>? configure = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync(args, configure, output, error, CancellationToken.None, environment);
        return (code, output.ToString(), error.ToString());
    }
}
