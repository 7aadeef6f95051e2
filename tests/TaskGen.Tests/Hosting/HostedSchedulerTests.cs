using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskGen.Hosting;
using TaskGen.Scheduling;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// <c>AddTaskGen(...).AddScheduler()</c> on <c>memory://</c>: entries from code and configuration sent while the host
/// runs, settings and entries checked when it starts, and the health check's report.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class HostedSchedulerTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task TheSchedulerSendsEntriesFromCodeAndConfigurationAndStopsWithTheHost()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        using IHost host = Build(
            new()
            {
                ["TaskGen:BrokerUrl"] = broker,
                ["TaskGen:Schedule:fromConfig:Task"] = "TaskGen.Tests.EndToEnd.TestTasks.Add",
                ["TaskGen:Schedule:fromConfig:Schedule"] = "every 1 s",
                ["TaskGen:Schedule:fromConfig:Args"] = "[2, 3]",
                ["TaskGen:Schedule:fromConfig:Queue"] = "slow",
                ["TaskGen:Scheduler:Name"] = "hosted",
            },
            taskGen => taskGen.AddScheduler(s => s.Add("fromCode", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromSeconds(1)))));
        await host.StartAsync();

        TaskSchedulerService service = host.Services.GetRequiredService<TaskSchedulerService>();
        Beat beat = service.Beat!;
        Assert.Equal(["fromCode", "fromConfig"], beat.Entries.Select(e => e.Name));
        Assert.Equal("hosted", beat.Options.Name);

        // Both entries tick into their queues; the host's stop then ends the scheduler, and the role is free again.
        InMemoryBroker memory = InMemoryBroker.Named(broker["memory://".Length..]);
        await WaitUntilAsync(() => memory.CountReady("slow") >= 2 && memory.CountReady("celery") >= 2);
        Assert.True(beat.IsLeader);
        Assert.Equal(beat.Node, (await service.ReadLeaderAsync(CancellationToken.None))!.Node);
        await host.StopAsync();

        Assert.False(beat.IsLeader);
        Assert.Null(await service.ReadLeaderAsync(CancellationToken.None));
        Assert.Null(service.Fault);
    }

    [Fact]
    public async Task ABadEntryFailsTheHostsStartWithEveryProblem()
    {
        using IHost host = Build(
            new()
            {
                ["TaskGen:Schedule:reports:Task"] = "Add",
                ["TaskGen:Schedule:reports:Schedule"] = "61 * * * *",
                ["TaskGen:Schedule:calc:Task"] = "TaskGen.Tests.EndToEnd.TestTasks.Add",
                ["TaskGen:Schedule:calc:Schedule"] = "every 1 m",
                ["TaskGen:Schedule:calc:Queue"] = "calk",
            },
            taskGen => taskGen.AddScheduler());

        TaskAppConfigurationException refused = await Assert.ThrowsAsync<TaskAppConfigurationException>(() => host.StartAsync());

        Assert.Equal(3, refused.Message.Split(Environment.NewLine).Length);
        Assert.Contains("Schedule entry 'reports': Task: 'Add' is not a task this app knows; did you mean 'TaskGen.Tests.EndToEnd.TestTasks.Add'?", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Schedule entry 'reports': Schedule: '61 * * * *' does not parse: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Schedule entry 'calc': Queue: 'calk' is not a declared queue", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedSchedulerSettingsFailTheHostsStartNamingTheirKeys()
    {
        using IHost host = Build(
            new() { ["TaskGen:Scheduler:LeaseDuration"] = "0", ["TaskGen:Scheduler:Election"] = "etcd" },
            taskGen => taskGen.AddScheduler());

        OptionsValidationException refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(refused.Failures, f => f.StartsWith("TaskGen:Scheduler:LeaseDuration must be positive", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.StartsWith("TaskGen:Scheduler:Election 'etcd' is not an election this app can hold", StringComparison.Ordinal));
    }

    [Fact]
    public void ASecondSchedulerInOneHostIsRefused()
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder();
        TaskGenBuilder taskGen = builder.Services.AddTaskGen().AddScheduler();

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => taskGen.AddScheduler());

        Assert.Contains("AddScheduler has already been called", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHealthCheckSaysWhetherThisNodeLeadsAndIsHealthyEitherWay()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        Action<TaskGenBuilder> scheduler = taskGen => taskGen.AddScheduler(s => s.Add("tick", EndToEnd.Remote.TestTasks.Add.Signature(1, 1), Schedule.Every(TimeSpan.FromHours(1))));
        using IHost first = Build(new() { ["TaskGen:BrokerUrl"] = broker }, scheduler, services => services.AddHealthChecks().AddTaskGen());
        using IHost second = Build(new() { ["TaskGen:BrokerUrl"] = broker }, scheduler, services => services.AddHealthChecks().AddTaskGen());
        await first.StartAsync();
        Beat leader = first.Services.GetRequiredService<TaskSchedulerService>().Beat!;
        await WaitUntilAsync(() => leader.IsLeader);
        await second.StartAsync();

        // Two schedulers on one broker: the second stands by, and both are healthy.
        HealthReport leads = await first.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        HealthReport standsBy = await second.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, leads.Status);
        Assert.Equal(HealthStatus.Healthy, standsBy.Status);
        Assert.StartsWith("leads schedule celery", (string)leads.Entries["taskgen"].Data["scheduler " + leader.Node], StringComparison.Ordinal);
        Beat standby = second.Services.GetRequiredService<TaskSchedulerService>().Beat!;
        Assert.False(standby.IsLeader);
        Assert.Equal($"stands by for schedule celery; leader {leader.Node}", standsBy.Entries["taskgen"].Data["scheduler " + standby.Node]);

        // The leader's host stops; the one standing by takes over.
        await first.StopAsync();
        await WaitUntilAsync(() => standby.IsLeader);
        await second.StopAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            await Task.Delay(20, guard.Token);
        }
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<TaskGenBuilder> taskGen, Action<IServiceCollection>? services = null)
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder(settings);
        taskGen(builder.Services.AddTaskGen(configure: b => b.AddTaskGenTestsTasks()));
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
