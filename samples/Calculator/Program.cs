using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;
using TaskGen;
using TaskGen.Control;
using TaskGen.Hosting;
using TaskGen.Worker;

// The master: it sends tasks and prints their results. With no broker configured it runs on the
// in-process memory:// transport and starts a worker of its own, so it works on a bare machine; with
// --broker amqp://... it talks to CeleryApp workers through RabbitMQ.
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
    localWorker = app.CreateWorker(new WorkerOptions { Queues = ["calc", "celery", "broadcast_calc"], NodeName = "local@%h" });
    await localWorker.StartAsync();
}

TimeSpan wait = TimeSpan.FromSeconds(5);
try
{
    // Routed to the 'calc' queue by its [Task(Queue = "calc")].
    AsyncResult<double> area = Geometry.RectArea.Delay(2, 2);
    Console.WriteLine($"RectArea(2, 2) = {await area.GetAsync(TimeSpan.FromSeconds(30))}");

    AsyncResult<double> routed = await Geometry.RectArea.ApplyAsync(3, 4, new TaskOptions { Queue = CeleryApp.Queues.Calc });
    Console.WriteLine($"RectArea(3, 4) via ApplyAsync on queue '{CeleryApp.Queues.Calc}' = {await routed.GetAsync(wait)} (task {routed.Id})");

    // These go to the default queue 'celery': a worker started with -Q calc leaves them waiting there.
    await Show("Add(2, 3)", () => Arithmetics.Add.Delay(2, 3).GetAsync(wait));
    await Show("Sub(10, 4)", () => Arithmetics.Sub.Delay(10, 4).GetAsync(wait));
    await Show("CircleArea(1)", async () => Math.Round(await Geometry.CircleArea.Delay(1).GetAsync(wait), 5));

    // Every worker bound to the broadcast queue runs the task and answers under its own name; when none is
    // bound, the broadcast reaches nobody and its result is empty at once.
    BroadcastResult<double> everyone = app.Broadcast(Geometry.RectArea.Signature(5, 5, new TaskOptions { Queue = CeleryApp.Queues.BroadcastCalc }));
    IReadOnlyDictionary<string, double> replies = await everyone.GetAsync(TimeSpan.FromSeconds(2));
    Console.WriteLine($"RectArea(5, 5) broadcast to '{CeleryApp.Queues.BroadcastCalc}': {replies.Count} worker(s) answered"
        + (everyone.ReachedNoWorker ? $" (no worker is bound to it: start one with worker -Q {CeleryApp.Queues.BroadcastCalc})" : string.Empty)
        + string.Concat(replies.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{Environment.NewLine}  {r.Key}: {r.Value}")));

    // The same ping `status` and Python's `celery status` send.
    IReadOnlyList<ControlReply> pongs = await new RemoteControlClient(app.Transport).PingAsync(TimeSpan.FromSeconds(1));
    Console.WriteLine($"Ping: {pongs.Count} {(pongs.Count == 1 ? "node" : "nodes")} online"
        + string.Concat(pongs.OrderBy(p => p.Node, StringComparer.Ordinal).Select(p => $"{Environment.NewLine}  -> {p.Node}: {p.Reply}")));
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

static async Task Show<T>(string call, Func<Task<T>> get)
{
    try
    {
        Console.WriteLine($"{call} = {await get()}");
    }
    catch (TimeoutException ex)
    {
        Console.WriteLine($"{call}: no result yet. {ex.Message}");
    }
}
