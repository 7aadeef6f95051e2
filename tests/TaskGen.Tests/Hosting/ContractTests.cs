using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskGen.Tests.Contracts;
using TaskGen.Tests.EndToEnd;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// Task contracts end to end on <c>memory://</c>: a producer app that knows only the contracts assembly sends through its
/// stubs, and a hosted worker runs this assembly's implementations, a class from the host's services and a static method.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class ContractTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task AProducerThatKnowsOnlyTheContractGetsTheResultOfTheWorkersImplementation()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        using IHost worker = await StartWorkerAsync(broker);

        // Registers no task assembly: the stub's descriptor names the contract's queue and codecs.
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = broker);

        string greeted = await producer.Send(Contracts.Remote.Greeter.GreetAsync.Signature(new Greeting("Ada", 2))).GetAsync(Guard);
        string shouted = await producer.Send(Contracts.Remote.Shouter.Shout.Signature("quiet")).GetAsync(Guard);

        Assert.Equal("Hello, Ada! Hello, Ada!", greeted);
        Assert.Equal("QUIET!", shouted);
        Assert.Equal("contracts.shout", Contracts.Remote.Shouter.Shout.Name);
        Assert.Equal("TaskGen.Tests.Contracts.IGreeter.GreetAsync", Contracts.Remote.Greeter.GreetAsync.Name);
        await worker.StopAsync();
    }

    [Fact]
    public async Task EachRunResolvesTheImplementationInItsOwnScope()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        using IHost worker = await StartWorkerAsync(broker);
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = broker);

        string first = await producer.Send(Contracts.Remote.Greeter.ScopeOf.Signature("one")).GetAsync(Guard);
        string second = await producer.Send(Contracts.Remote.Greeter.ScopeOf.Signature("two")).GetAsync(Guard);

        Assert.NotEqual(first, second);
        RunLog log = worker.Services.GetRequiredService<RunLog>();
        Assert.Equal(first, log.Scopes["one"].Id.ToString("N"));
        await Eventually.WaitFor(() => log.Scopes.Where(s => !s.Key.StartsWith("shout:", StringComparison.Ordinal)).All(s => s.Value.IsDisposed), "each run's scope to be disposed");
        await worker.StopAsync();
    }

    [Fact]
    public async Task TheWorkersModuleRegistersTheContractsTasksOnTheirDeclaredQueue()
    {
        await using TaskApp app = TaskApp.Create(b => b.AddTaskGenTestsTasks());

        Assert.True(app.Tasks.TryGet(Contracts.Remote.Greeter.GreetAsync.Name, out _, out TaskGen.Worker.TaskDefinition greet));
        Assert.Equal("greetings", greet.Queue);
        Assert.Equal(["greeting"], greet.Parameters);
        Assert.True(app.Tasks.TryGetQueue("greetings", out _));
    }

    [Fact]
    public async Task AWorkerWithoutTheImplementationRegisteredFailsTheRunNamingTheInterface()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        using IHost worker = await StartWorkerAsync(broker, registerGreeter: false);
        await using TaskApp producer = TaskApp.Create(b => b.Options.BrokerUrl = broker);

        TaskFailedException failed = await Assert.ThrowsAsync<TaskFailedException>(() => producer.Send(Contracts.Remote.Greeter.ScopeOf.Signature("none")).GetAsync(Guard));

        Assert.Contains(nameof(IGreeter), failed.Message, StringComparison.Ordinal);
        await worker.StopAsync();
    }

    private static async Task<IHost> StartWorkerAsync(string broker, bool registerGreeter = true)
    {
        HostApplicationBuilder builder = MemoryHost.CreateBuilder(new() { ["TaskGen:BrokerUrl"] = broker });
        builder.Services.AddScoped<RunScope>();
        builder.Services.AddSingleton<RunLog>();
        if (registerGreeter)
        {
            builder.Services.AddScoped<IGreeter, Greeter>();
        }

        builder.Services.AddTaskGen(configureOptions: null, configure: b => b.AddTaskGenTestsTasks());
        builder.Services.AddTaskGenWorker(w =>
        {
            w.Queues = ["greetings"];
            w.NodeName = "contracts@unit";
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
