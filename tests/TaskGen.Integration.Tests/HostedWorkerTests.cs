using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>A worker in the Generic Host on the real broker: its health follows the connection, and stopping the host drains it.</summary>
public sealed class HostedWorkerTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TheHealthCheckGoesUnhealthyWhileTheBrokerIsUnreachableAndHealthyOnceTheWorkerConsumesAgain()
    {
        using IHost host = BuildHost("health");
        await host.StartAsync();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        Assert.StartsWith("health@", await App.Send(Jobs.WhoAmI.Signature()).GetAsync(Guard), StringComparison.Ordinal);

        // Every connection of this process is closed as soon as it reopens, for a while: the check must see it. The
        // check is sampled for the whole outage on purpose, rather than waited on: what it says while it lasts is the point.
        Task<int> outage = Broker.KeepConnectionsOfThisProcessClosedAsync(TimeSpan.FromSeconds(6));
        var seen = new List<HealthStatus>();
        while (!outage.IsCompleted)
        {
            seen.Add((await health.CheckHealthAsync()).Status);
            await Task.Delay(100);
        }

        Assert.True(await outage > 0, "The outage closed no connection.");
        Assert.Contains(HealthStatus.Unhealthy, seen);

        await Poll.UntilAsync(() => health.CheckHealthAsync(), report => report.Status == HealthStatus.Healthy, "the health check to be healthy again after the outage", TimeSpan.FromMilliseconds(200));
        Assert.StartsWith("health@", await App.Send(Jobs.WhoAmI.Signature()).GetAsync(Guard), StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task StoppingTheHostWaitsForARunningTaskAndItsResultReachesTheCaller()
    {
        using IHost host = BuildHost("drain");
        await host.StartAsync();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

        AsyncResult<int> running = await App.SendAsync(Jobs.Slow.Signature(42, 2000));
        await Poll.UntilAsync(
            () => health.CheckHealthAsync(), report => report.Entries["taskgen"].Data.Values.OfType<string>().Any(v => v.EndsWith(", 1 active", StringComparison.Ordinal)), "the task to run", TimeSpan.FromMilliseconds(50));

        await host.StopAsync();

        Assert.True(running.IsReady, "The host stopped before its running task had answered.");
        Assert.Equal(42, await running.GetAsync(Guard));
        Assert.Equal(0u, await ReadyAsync("slow"));
    }

    private IHost BuildHost(string name)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:BrokerUrl"] = Broker.Url, ["TaskGen:WorkerShutdownTimeout"] = "20" });
        builder.Services.AddTaskGen(configure: b => b.AddTaskGenIntegrationWorkerTasks());
        builder.Services.AddTaskGenWorker(w =>
        {
            w.Queues = ["work", "slow"];
            w.NodeName = name + "@%h";
            w.Concurrency = 2;
        });
        builder.Services.AddHealthChecks().AddTaskGen();
        return builder.Build();
    }
}
