using System;
using System.Threading.Tasks;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.EndToEnd;

/// <summary>An app and a worker on a private <c>memory://</c> broker, so tests never share queues.</summary>
internal sealed class MemoryEnvironment : IAsyncDisposable
{
    private MemoryEnvironment(TaskApp app, TaskWorker? worker, InMemoryBroker broker)
    {
        App = app;
        Worker = worker;
        Broker = broker;
    }

    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    public TaskApp App { get; }

    public TaskWorker? Worker { get; }

    public InMemoryBroker Broker { get; }

    public static async Task<MemoryEnvironment> StartAsync(bool startWorker = true, int concurrency = 4, Action<TaskAppBuilder>? configure = null, bool sendTaskEvents = false)
    {
        string name = Guid.NewGuid().ToString("N");
        TaskApp app = TaskApp.Create(builder =>
        {
            builder.Options.BrokerUrl = "memory://" + name;
            builder.AddTaskGenTestsTasks();
            configure?.Invoke(builder);
        });
        TaskWorker? worker = null;
        if (startWorker)
        {
            worker = app.CreateWorker(new WorkerOptions { Queues = ["celery"], Concurrency = concurrency, NodeName = "test@unit", SendTaskEvents = sendTaskEvents });
            await worker.StartAsync();
        }

        return new MemoryEnvironment(app, worker, InMemoryBroker.Named(name));
    }

    public async ValueTask DisposeAsync()
    {
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }

        await App.DisposeAsync();
    }
}
