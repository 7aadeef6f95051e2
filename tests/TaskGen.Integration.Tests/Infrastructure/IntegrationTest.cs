using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>What every integration test starts from: the shared broker, emptied queues, and a producer app.</summary>
[Collection(RabbitMqCollection.Name)]
public abstract class IntegrationTest : IAsyncLifetime
{
    /// <summary>The worker program with the integration tasks.</summary>
    protected static readonly string WorkerProgram = RabbitMqFixture.ProgramPath("tests/TaskGen.IntegrationWorker", "TaskGen.IntegrationWorker");

    /// <summary>The sample's worker program.</summary>
    protected static readonly string CeleryAppProgram = RabbitMqFixture.ProgramPath("samples/CeleryApp", "CeleryApp");

    /// <summary>How long a result may take before the test gives up; only a guard against hangs.</summary>
    protected static readonly TimeSpan Guard = ProgramProcess.Guard;

    private static readonly string[] s_taskQueues = ["work", "slow", "calc", "celery", "py", "mixed", RabbitMqFixture.DeadLetters];

    /// <summary>Creates the test over the shared broker.</summary>
    protected IntegrationTest(RabbitMqFixture broker) => Broker = broker;

    /// <summary>The shared broker.</summary>
    protected RabbitMqFixture Broker { get; }

    /// <summary>A producer app on the broker, knowing the integration tasks and the sample's.</summary>
    protected TaskApp App { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        App = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.AddTaskGenIntegrationWorkerTasks();
            b.AddCeleryAppTasks();
        });

        // Tests share queues by name; each starts from empty ones.
        foreach (string queue in s_taskQueues)
        {
            await App.Transport.PurgeAsync(queue, CancellationToken.None);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>How many messages wait in <paramref name="queue"/>.</summary>
    protected async Task<uint> ReadyAsync(string queue) =>
        (await App.Transport.InspectQueueAsync(queue, CancellationToken.None))?.Messages ?? throw new InvalidOperationException($"Queue '{queue}' does not exist.");
}
