using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TaskGen.IntegrationWorker;

/// <summary>
/// A Generic Host app written as a user writes one, with nothing caught: a worker added with <c>AddWorker("w")</c>
/// (its queues from <c>TaskGen:Workers:w:Queues</c>) or with <c>AddTaskGenWorker</c> (its queues from <c>--queues</c>),
/// for the tests of what such an app prints and exits with when its worker cannot start.
/// </summary>
public static class HostedMode
{
    /// <summary>Runs the host: <c>hosted named|plain [--queues a,b] [--TaskGen:Name=value ...]</c>, until stopped.</summary>
    /// <param name="args">How the worker is added, then the host's own arguments.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(args[1..]);
        TaskGenBuilder taskGen = builder.Services.AddTaskGen().AddTasks(b => b.AddTaskGenIntegrationWorkerTasks());
        if (args[0] == "named")
        {
            taskGen.AddWorker("w");
        }
        else
        {
            // Not a literal, so the build cannot check it (TG0211 does for literals): only the start can.
            string[] queues = (builder.Configuration["queues"] ?? "celery").Split(',');
            builder.Services.AddTaskGenWorker(w => w.Queues = queues);
        }

        using IHost host = builder.Build();
        await host.RunAsync();

        // The worker sets the exit code when it stops the host; a Main that returns a number must pass it on.
        return System.Environment.ExitCode;
    }
}
