using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;
using TaskGen.Control;
using TaskGen.Hosting;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Transport;

/// <summary>
/// Several broker URLs, Celery's <c>amqp://a;amqp://b</c> or a list in configuration: each becomes an endpoint
/// RabbitMQ.Client fails over to, and no form of the list shows a password anywhere.
/// </summary>
public sealed class BrokerFailoverTests
{
    private const string Password = "s3cr3t-Pa55";
    private static readonly string s_list = $"amqp://worker:{Password}@rabbit-a:5672/prod; amqp://worker:{Password}@rabbit-b:5673/prod;amqp://worker:{Password}@rabbit-c/prod";

    [Fact]
    public void ATwoUrlListBecomesOneEndpointPerNodeWithTheFirstOnesCredentials()
    {
        (ConnectionFactory factory, IReadOnlyList<AmqpTcpEndpoint>? endpoints) = RabbitMqConnectionSettings.Create(s_list, "test");

        Assert.NotNull(endpoints);
        Assert.Equal(["rabbit-a:5672", "rabbit-b:5673", "rabbit-c:5672"], endpoints!.Select(e => $"{e.HostName}:{e.Port}"));
        Assert.Equal("worker", factory.UserName);
        Assert.Equal("prod", factory.VirtualHost);
    }

    [Fact]
    public void OneUrlKeepsTheFactorysOwnEndpoint()
    {
        (ConnectionFactory factory, IReadOnlyList<AmqpTcpEndpoint>? endpoints) = RabbitMqConnectionSettings.Create("amqp://guest:guest@rabbit-a:5672/", "test");

        Assert.Null(endpoints);
        Assert.Equal("rabbit-a", factory.HostName);
    }

    [Fact]
    public void EachTlsEndpointChecksItsOwnHostName()
    {
        string list = $"amqps://worker:{Password}@rabbit-a/prod;amqps://worker:{Password}@rabbit-b:5676/prod";

        (_, IReadOnlyList<AmqpTcpEndpoint>? endpoints) = RabbitMqConnectionSettings.Create(list, "test");

        Assert.All(endpoints!, e => Assert.True(e.Ssl.Enabled));
        Assert.Equal(["rabbit-a", "rabbit-b"], endpoints!.Select(e => e.Ssl.ServerName));
        Assert.Equal([5671, 5676], endpoints!.Select(e => e.Port));
    }

    [Theory]
    [InlineData("amqp://worker:other@rabbit-b/prod")]
    [InlineData("amqp://admin:" + Password + "@rabbit-b/prod")]
    [InlineData("amqp://worker:" + Password + "@rabbit-b/test")]
    [InlineData("amqps://worker:" + Password + "@rabbit-b/prod")]
    public void UrlsThatDifferInCredentialsVirtualHostOrSchemeAreRefusedWithoutAPassword(string second)
    {
        var refused = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.Create($"amqp://worker:{Password}@rabbit-a/prod;{second}", "test"));

        Assert.Contains("must share", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other@", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnparseableUrlInTheListIsRefusedWithoutAnyPassword()
    {
        var refused = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.Create($"amqp://worker:{Password}@rabbit-a/prod;amqp://worker:{Password}@rabbit-b:nope/prod", "test"));

        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://u:s3cr3t-Pa55@a:5672/v;amqp://u:s3cr3t-Pa55@b:5673/v", "amqp://u:***@a:5672/v;amqp://u:***@b:5673/v")]
    [InlineData(" amqp://u:s3cr3t-Pa55@a/ ; ;amqp://b/ ", "amqp://u:***@a/;amqp://b/")]
    [InlineData("amqp://u:s3cr3t;Pa55@a/", "(unparseable broker URL);(unparseable broker URL)")]
    [InlineData("amqp://u:s3cr3t-Pa55@a/;garbage s3cr3t-Pa55", "amqp://u:***@a/;(unparseable broker URL)")]
    public void ARedactedListHidesEveryPassword(string urls, string expected)
    {
        string shown = BrokerUrls.Redact(urls);

        Assert.Equal(expected, shown);
        Assert.DoesNotContain("s3cr3t", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTransportDescribesEveryNodeWithoutItsPassword()
    {
        var transport = new RabbitMqTransport(s_list, "test", Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        Assert.Equal("amqp://worker:***@rabbit-a:5672/prod;amqp://worker:***@rabbit-b:5673/prod;amqp://worker:***@rabbit-c/prod", transport.Description);
    }

    [Fact]
    public void ConfigurationTakesCelerysFormOrAListOfUrls()
    {
        var fromList = new TaskAppOptions();
        TaskAppConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TaskGen:BrokerUrl:0"] = "amqp://guest:guest@a:5672/",
            ["TaskGen:BrokerUrl:1"] = "amqp://guest:guest@b:5672/",
        }).Build(), fromList);
        var fromString = new TaskAppOptions();
        TaskAppConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TaskGen:BrokerUrl"] = "amqp://guest:guest@a:5672/;amqp://guest:guest@b:5672/",
        }).Build(), fromString);

        Assert.Equal("amqp://guest:guest@a:5672/;amqp://guest:guest@b:5672/", fromList.BrokerUrl);
        Assert.Equal(fromList.BrokerUrl, fromString.BrokerUrl);
    }

    [Fact]
    public async Task InspectStatsShowsTheFirstNodeAndNoPasswordOfAny()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
        {
            b.Transport = new InMemoryTransport(InMemoryBroker.Named(b.Options.BrokerUrl["memory://".Length..]));
            b.Options.BrokerUrl = $"amqp://worker:{Password}@rabbit-a:5672/prod;amqp://worker:{Password}@rabbit-b:5673/prod";
        });

        ControlReply stats = Assert.Single(await new RemoteControlClient(env.App.Transport).CallAsync("stats", null, MemoryEnvironment.Guard, ["test@unit"]));

        string text = stats.Reply.GetRawText();
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        JsonElement broker = stats.Reply.GetProperty("broker");
        Assert.Equal("rabbit-a", broker.GetProperty("hostname").GetString());
        Assert.Equal("prod", broker.GetProperty("virtual_host").GetString());
    }
}
