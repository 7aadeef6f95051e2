using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskGen.Hosting;
using TaskGen.Tests.EndToEnd;
using TaskGen.Worker;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// The chain <c>AddTaskGen(...).AddTasks(...).AddWorker(name, ...)</c>: tasks and named workers registered through
/// the builder, each worker's options read from <c>TaskGen:Workers:&lt;name&gt;</c> and then from code, and
/// refused names and settings.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class TaskGenBuilderTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task TheBuilderRegistersTasksAndANamedWorkerThatRunsThem()
    {
        // The broker is set in code here, as the chain would be written in an app; the builder's own is replaced.
        HostApplicationBuilder builder = MemoryHost.CreateBuilder();
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        TaskGenBuilder taskGen = builder.Services
            .AddTaskGen(o => o.BrokerUrl = broker)
            .AddTasks(b => b.AddTaskGenTestsTasks())
            .AddWorker("calc", w => w.Queues = ["celery"]);
        Assert.Same(builder.Services, taskGen.Services);
        using IHost host = builder.Build();
        await host.StartAsync();

        Assert.Equal(5, await EndToEnd.Remote.TestTasks.Add.Delay(2, 3).GetAsync(Guard));
        string whoAmI = await EndToEnd.Remote.TestTasks.WhoAmI.Delay().GetAsync(Guard);

        // A named worker answers under its own name unless told otherwise.
        Assert.StartsWith("calc@" + Environment.MachineName + "|", whoAmI, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task AWorkersSettingsComeFromItsConfigurationSectionThenFromCode()
    {
        using IHost host = Build(
            new()
            {
                ["TaskGen:Workers:calc:Queues"] = "slow, celery",
                ["TaskGen:Workers:calc:Concurrency"] = "3",
                ["TaskGen:Workers:calc:NodeName"] = "from-config@unit",
                ["TaskGen:Workers:other:Queues:0"] = "slow",
            },
            taskGen => taskGen
                .AddWorker("calc", w => w.NodeName = "from-code@unit")
                .AddWorker("other"));
        await host.StartAsync();

        TaskWorker calc = Worker(host, "from-code@unit");
        Assert.Equal(["slow", "celery"], calc.Queues);
        Assert.Equal(3, calc.Concurrency);
        TaskWorker other = Worker(host, "other@" + Environment.MachineName);
        Assert.Equal(["slow"], other.Queues);
        Assert.Equal(Environment.ProcessorCount, other.Concurrency);
        Assert.Equal(3, await host.Services.GetRequiredService<TaskApp>().Send(EndToEnd.Remote.TestTasks.Add.Signature(1, 2)).GetAsync(Guard));
        await host.StopAsync();
    }

    [Fact]
    public void AddingTwoWorkersWithOneNameIsRefused()
    {
        TaskGenBuilder taskGen = new ServiceCollection().AddTaskGen().AddWorker("calc");

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => taskGen.AddWorker("Calc"));

        Assert.Contains("worker named 'Calc' is already added", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("calc:fast")]
    public void AWorkerNameThatCannotNameASectionIsRefused(string name)
    {
        TaskGenBuilder taskGen = new ServiceCollection().AddTaskGen();

        Assert.ThrowsAny<ArgumentException>(() => taskGen.AddWorker(name));
    }

    [Fact]
    public async Task ARefusedWorkerSettingStopsTheHostAtStartNamingItsKey()
    {
        // The blank queue is the run-time check behind TG0205, which the build would otherwise stop at.
#pragma warning disable TG0205
        using IHost host = Build(
            new() { ["TaskGen:Workers:calc:Concurrency"] = "0" },
            taskGen => taskGen.AddWorker("calc", w => w.Queues = ["celery", " "]));
#pragma warning restore TG0205

        OptionsValidationException refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("TaskGen:Workers:calc:Concurrency must be at least 1, not 0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("TaskGen:Workers:calc:Queues:1 is empty", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerValueOfTheWrongTypeOrAnUnknownKeyStopsTheHostAtStartNamingEach()
    {
        using IHost host = Build(
            new() { ["TaskGen:Workers:calc:Concurrency"] = "many", ["TaskGen:Workers:calc:Concurency"] = "4" },
            taskGen => taskGen.AddWorker("calc"));

        TaskAppConfigurationException refused = await Assert.ThrowsAsync<TaskAppConfigurationException>(() => host.StartAsync());

        Assert.Contains("TaskGen:Workers:calc:Concurrency 'many' is not a whole number", refused.Message, StringComparison.Ordinal);
        Assert.Contains("TaskGen:Workers:calc:Concurency is not a worker setting", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWorkersSettingsAreNamedOptionsKeptApartFromEachOther()
    {
        using IHost host = Build(
            new() { ["TaskGen:Workers:a:SendTaskEvents"] = "true", ["TaskGen:Workers:b:Concurrency"] = "7" },
            taskGen => taskGen.AddWorker("a").AddWorker("b", w => w.SendTaskEvents = false));
        IOptionsMonitor<WorkerOptions> options = host.Services.GetRequiredService<IOptionsMonitor<WorkerOptions>>();

        Assert.True(options.Get("a").SendTaskEvents);
        Assert.Equal(Environment.ProcessorCount, options.Get("a").Concurrency);
        Assert.False(options.Get("b").SendTaskEvents);
        Assert.Equal(7, options.Get("b").Concurrency);
    }

    private static TaskWorker Worker(IHost host, string nodeName) =>
        host.Services.GetServices<IHostedService>().OfType<TaskWorkerService>().Select(s => s.Worker!).Single(w => w.NodeName == nodeName);

    private static IHost Build(Dictionary<string, string?> settings, Action<TaskGenBuilder> taskGen)
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder(settings);
        taskGen(builder.Services.AddTaskGen().AddTasks(b => b.AddTaskGenTestsTasks()));
        return builder.Build();
    }
}
