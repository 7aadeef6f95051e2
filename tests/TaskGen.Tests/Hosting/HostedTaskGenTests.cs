using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskGen.Hosting;
using TaskGen.Tests.EndToEnd;
using TaskGen.Worker;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// TaskGen inside the Generic Host: registration, options from configuration, validation at start, health checks
/// and draining on stop, on a private <c>memory://</c> broker per test.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class HostedTaskGenTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task AHostedAppAndWorkerRunAStubCall()
    {
        using IHost host = Build(new(), services => services.AddTaskGenWorker(w =>
        {
            w.Queues = ["celery"];
            w.NodeName = "hosted@unit";
        }));
        await host.StartAsync();

        TaskApp app = host.Services.GetRequiredService<TaskApp>();
        Assert.Same(app, TaskApp.Default);
        Assert.Equal(5, await EndToEnd.Remote.TestTasks.Add.Delay(2, 3).GetAsync(Guard));
        Assert.StartsWith("hosted@unit|", await app.Send(EndToEnd.Remote.TestTasks.WhoAmI.Signature()).GetAsync(Guard), StringComparison.Ordinal);

        await host.StopAsync();
        Assert.Throws<InvalidOperationException>(() => TaskApp.Default);
    }

    [Fact]
    public async Task OptionsComeFromTheTaskGenSectionWithDurationsInSecondsThenFromCode()
    {
        using IHost host = Build(
            new() { ["TaskGen:WorkerPrefetchMultiplier"] = "3", ["TaskGen:WorkerShutdownTimeout"] = "7.5", ["TaskGen:TaskDefaultQueue"] = "from-config" },
            configureOptions: o => o.TaskDefaultQueue = "from-code");
        await host.StartAsync();

        TaskAppOptions bound = host.Services.GetRequiredService<IOptions<TaskAppOptions>>().Value;
        Assert.Equal(3, bound.WorkerPrefetchMultiplier);
        Assert.Equal(TimeSpan.FromSeconds(7.5), bound.WorkerShutdownTimeout);
        Assert.Equal("from-code", bound.TaskDefaultQueue);
        Assert.Same(bound, host.Services.GetRequiredService<TaskApp>().Options);
        await host.StopAsync();
    }

    [Fact]
    public async Task ARefusedSettingStopsTheHostAtStartNamingIt()
    {
        using IHost host = Build(new() { ["TaskGen:WorkerPrefetchMultiplier"] = "0" });

        OptionsValidationException refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("WorkerPrefetchMultiplier must be at least 1, not 0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASettingThatMovedToEachWorkerStopsTheHostAtStartSayingWhereItWent()
    {
        using IHost host = Build(new() { ["TaskGen:WorkerConcurrency"] = "3" }, services => services.AddTaskGenWorker());

        TaskAppConfigurationException refused = await Assert.ThrowsAsync<TaskAppConfigurationException>(() => host.StartAsync());

        Assert.Contains("TaskGen:WorkerConcurrency moved to TaskGen:Workers:<name>:Concurrency", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerAddedInCodeWithAConcurrencyBelowOneIsRefusedAtStart()
    {
        // No options validation sees a worker set in code only: the app refuses to create it.
        using IHost host = Build(new(), services => services.AddTaskGenWorker(w => w.Concurrency = 0));

        ArgumentOutOfRangeException refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());

        Assert.Contains("WorkerOptions.Concurrency must be at least 1, not 0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueOfTheWrongTypeStopsTheHostAtStartNamingItsKey()
    {
        using IHost host = Build(new() { ["TaskGen:WorkerShutdownTimeout"] = "soon" });

        TaskAppConfigurationException refused = await Assert.ThrowsAsync<TaskAppConfigurationException>(() => host.StartAsync());

        Assert.Contains("TaskGen:WorkerShutdownTimeout 'soon'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisteringTaskGenTwiceIsRefused()
    {
        var services = new ServiceCollection();
        services.AddTaskGen();

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => services.AddTaskGen());

        Assert.Contains("already been called", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHealthCheckIsHealthyWhileTheWorkerConsumesAndUnhealthyOnceItStops()
    {
        using IHost host = Build(new(), services =>
        {
            services.AddTaskGenWorker(w => w.NodeName = "health@unit");
            services.AddHealthChecks().AddTaskGen();
        });
        await host.StartAsync();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport running = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, running.Status);
        Assert.Equal("consuming celery, 0 active", running.Entries["taskgen"].Data["worker health@unit"]);

        TaskWorker worker = host.Services.GetServices<IHostedService>().OfType<TaskWorkerService>().Single().Worker!;
        await worker.StopAsync();
        HealthReport stopped = await health.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Contains("health@unit", stopped.Entries["taskgen"].Description, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task TheHealthCheckReportsABrokerItCannotReachWithoutItsPassword()
    {
        // Nothing listens on port 1 of the loopback address, so connecting is refused at once.
        using IHost host = Build(new() { ["TaskGen:BrokerUrl"] = "amqp://guest:s3cret-word@127.0.0.1:1/" }, services => services.AddHealthChecks().AddTaskGen(failureStatus: HealthStatus.Degraded));
        await host.StartAsync();

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        HealthReportEntry entry = report.Entries["taskgen"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("127.0.0.1:1", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-word", entry.Description + string.Join(",", entry.Data.Values), StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task StoppingTheHostLetsARunningTaskFinishAndSendItsResult()
    {
        string key = "drain-" + Guid.NewGuid().ToString("N");
        using IHost host = Build(new(), services => services.AddTaskGenWorker());
        await host.StartAsync();
        TaskApp app = host.Services.GetRequiredService<TaskApp>();
        TaskWorker worker = host.Services.GetServices<IHostedService>().OfType<TaskWorkerService>().Single().Worker!;

        AsyncResult<string> result = app.Send(EndToEnd.Remote.TestTasks.WaitForGate.Signature(key));
        await TestTasks.Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Guard);
        Task stopping = host.StopAsync();
        await Eventually.WaitFor(() => !worker.IsConsuming, "the worker to stop consuming");
        Assert.False(stopping.IsCompleted, "the host stopped before its running task finished");

        TestTasks.Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
        await stopping.WaitAsync(Guard);

        Assert.Equal(key, await result.GetAsync(Guard));
        Assert.Equal(1, worker.Processed[EndToEnd.Remote.TestTasks.WaitForGate.Name]);
    }

    [Fact]
    public async Task EachRunGetsItsOwnScopeOfServicesDisposedWhenItEnds()
    {
        using IHost host = Build(new(), services =>
        {
            services.AddScoped<RunScope>();
            services.AddSingleton<RunLog>();
            services.AddTaskGenWorker();
        });
        await host.StartAsync();
        TaskApp app = host.Services.GetRequiredService<TaskApp>();

        Assert.True(await app.Send(Remote.ServiceTasks.UseScope.Signature("one")).GetAsync(Guard));
        Assert.True(await app.Send(Remote.ServiceTasks.UseScope.Signature("two")).GetAsync(Guard));

        RunLog log = host.Services.GetRequiredService<RunLog>();
        Assert.NotEqual(log.Scopes["one"].Id, log.Scopes["two"].Id);
        await Eventually.WaitFor(() => log.Scopes.Values.All(s => s.IsDisposed), "each run's scope to be disposed");
        await host.StopAsync();
    }

    [Fact]
    public async Task ATaskThatTakesServicesFailsClearlyInAnAppBuiltOutsideAHost()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => env.App.Send(Remote.ServiceTasks.UseScope.Signature("orphan")).GetAsync(Guard));

        Assert.Contains("built outside a host", failed.Message, StringComparison.Ordinal);
        Assert.Contains("services.AddTaskGen", failed.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null, Action<TaskAppOptions>? configureOptions = null)
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder(settings);
        builder.Services.AddTaskGen(configureOptions, b => b.AddTaskGenTestsTasks());
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}

/// <summary>Tests that make their app <see cref="TaskApp.Default"/> run alone, so no other test's app takes its place.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultAppCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "TaskApp.Default";
}
