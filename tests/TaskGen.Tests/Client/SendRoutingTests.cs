using System;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;

namespace TaskGen.Tests.Client;

/// <summary>
/// Where a call goes: to its task's own queue as the stub's assembly declares it, without asking (or filling) the
/// app's registry; to another queue by name through the registry, which then learns the assembly's declarations.
/// </summary>
public sealed class SendRoutingTests
{
    [Fact]
    public void TheGeneratedDescriptorCarriesItsQueuesDeclaration()
    {
        TaskDescriptor broadcast = EndToEnd.Remote.TestTasks.Hello.Descriptor;

        Assert.Equal("fleet", broadcast.Queue);
        Assert.Equal(new QueueDeclaration("fleet", Broadcast: true), broadcast.QueueDeclaration);
        Assert.Null(new TaskDescriptor("t", "other", [new QueueDeclaration("other")]).QueueDeclaration);
    }

    [Fact]
    public async Task ARouteInTheOptionsWinsOverTheQueueTheGeneratorEmitted()
    {
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N");
            b.Options.TaskRoutes[EndToEnd.Remote.TestTasks.Slow.Name] = "celery";
        });

        await app.SendAsync(EndToEnd.Remote.TestTasks.Slow.Signature(1));

        InMemoryBroker broker = InMemoryBroker.Named(app.Options.BrokerUrl["memory://".Length..]);
        Assert.Equal(1, broker.CountReady("celery"));
        Assert.Null(broker.CountReady("slow"));
    }

    [Fact]
    public async Task ACallToItsTasksOwnDeclaredQueueLeavesTheRegistryAlone()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N"));

        await app.SendAsync(EndToEnd.Remote.TestTasks.Slow.Signature(1));

        Assert.Empty(app.Tasks.Queues);
        Assert.Equal(1, InMemoryBroker.Named(app.Options.BrokerUrl["memory://".Length..]).CountReady("slow"));
    }

    [Fact]
    public async Task ACallToAnotherQueueByNameTeachesTheRegistryTheAssemblysDeclarations()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N"));

        await app.SendAsync(EndToEnd.Remote.TestTasks.Add.Signature(1, 2, new TaskOptions { Queue = "slow" }));

        Assert.Contains(app.Tasks.Queues, q => q.Name == "fleet" && q.Broadcast);
        Assert.Equal(1, InMemoryBroker.Named(app.Options.BrokerUrl["memory://".Length..]).CountReady("slow"));
    }
}
