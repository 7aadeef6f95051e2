using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen;
using TaskGen.Control;
using TaskGen.Transport;

// The master: it sends tasks and prints their results, inside the Generic Host as an ASP.NET Core or worker
// service would. With no broker configured it runs on the in-process memory:// transport with a hosted worker of
// its own, so it works on a bare machine; with --broker amqp://... it talks to CeleryApp workers through RabbitMQ.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);

// appsettings.json and TaskGen__* environment variables come with the host; --broker wins over both.
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--broker"] = "TaskGen:BrokerUrl" });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
TaskGenBuilder taskGen = builder.Services.AddTaskGen().AddTasks(b => b.AddCeleryAppTasks());

bool local = (builder.Configuration["TaskGen:BrokerUrl"] ?? "memory://").StartsWith("memory://", StringComparison.Ordinal);
if (local)
{
    taskGen.AddWorker("local", w => w.Queues = ["calc", "celery", "broadcast_calc"]);
}

using IHost host = builder.Build();
if (local)
{
    Console.WriteLine("No broker configured: running on memory:// with an in-process worker (set --broker amqp://... for RabbitMQ).");
}

// Starting the host validates the options, makes the app the one stubs send through and starts the local worker.
await host.StartAsync();
TaskApp app = host.Services.GetRequiredService<TaskApp>();

TimeSpan wait = TimeSpan.FromSeconds(5);
try
{
    // Connects now, so that a broker that is down is one clear line here rather than a failure of the first task.
    await app.ConnectAsync();

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
    IReadOnlyList<ControlReply> pongs = await new RemoteControlClient(app).PingAsync(TimeSpan.FromSeconds(1));
    Console.WriteLine($"Ping: {pongs.Count} {(pongs.Count == 1 ? "node" : "nodes")} online"
        + string.Concat(pongs.OrderBy(p => p.Node, StringComparer.Ordinal).Select(p => $"{Environment.NewLine}  -> {p.Node}: {p.Reply}")));
    return 0;
}
catch (BrokerException ex)
{
    // Its message names the broker (without the password), why it failed and what to do; 69 is EX_UNAVAILABLE.
    Console.Error.WriteLine(ex.Message);
    return 69;
}
catch (TimeoutException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
finally
{
    // Drains the local worker's running tasks, as stopping any host does.
    await host.StopAsync();
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
