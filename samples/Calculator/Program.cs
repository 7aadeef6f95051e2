using System;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;
using TaskGen;
using TaskGen.Hosting;
using TaskGen.Worker;

// The master: it sends tasks and prints their results. With no broker configured it runs on the
// in-process memory:// transport and starts a worker of its own, so it works on a bare machine.
string? broker = null;
for (int i = 0; i + 1 < args.Length; i++)
{
    if (args[i] == "--broker")
    {
        broker = args[i + 1];
    }
}

await using TaskApp app = TaskApp.Configure(builder =>
{
    // appsettings.json and TaskGen__* environment variables first; --broker wins over both.
    TaskAppConfiguration.Bind(TaskAppConfiguration.Load(), builder.Options);
    builder.Options.BrokerUrl = broker ?? builder.Options.BrokerUrl;
    builder.AddCeleryAppTasks();
});

TaskWorker? localWorker = null;
if (app.Options.BrokerUrl.StartsWith("memory://", StringComparison.Ordinal))
{
    Console.WriteLine("No broker configured: running on memory:// with an in-process worker (set --broker amqp://... for RabbitMQ).");
    localWorker = app.CreateWorker(new WorkerOptions { Queues = ["calc", "celery"], NodeName = "local@%h" });
    await localWorker.StartAsync();
}

try
{
    AsyncResult<double> area = Geometry.RectArea.Delay(2, 2);
    Console.WriteLine($"RectArea(2, 2) = {await area.GetAsync(TimeSpan.FromSeconds(10))}");

    Console.WriteLine($"Add(2, 3) = {await Arithmetics.Add.Delay(2, 3).GetAsync(TimeSpan.FromSeconds(10))}");
    Console.WriteLine($"Sub(10, 4) = {await Arithmetics.Sub.Delay(10, 4).GetAsync(TimeSpan.FromSeconds(10))}");
    Console.WriteLine($"CircleArea(1) = {await Geometry.CircleArea.Delay(1).GetAsync(TimeSpan.FromSeconds(10)):0.#####}");

    AsyncResult<double> routed = await Geometry.RectArea.ApplyAsync(3, 4, new TaskOptions { Queue = CeleryApp.Queues.Calc });
    Console.WriteLine($"RectArea(3, 4) via ApplyAsync on queue '{CeleryApp.Queues.Calc}' = {await routed.GetAsync(TimeSpan.FromSeconds(10))} (task {routed.Id})");
    return 0;
}
catch (TimeoutException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
finally
{
    if (localWorker is not null)
    {
        await localWorker.DisposeAsync();
    }
}
