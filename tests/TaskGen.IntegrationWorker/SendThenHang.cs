using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.IntegrationWorker;

/// <summary>
/// Sends <c>count</c> <c>Add(i, i)</c> tasks to queue <c>work</c>, confirmed by the broker, prints each id and then
/// waits forever: a caller that a test kills before any result exists, so that only a durable backend keeps them.
/// </summary>
public static class SendThenHang
{
    /// <summary>Runs the producer: <c>send-then-hang BROKER_URL RESULT_BACKEND COUNT</c>.</summary>
    /// <param name="args">The broker URL, the result backend and how many tasks to send.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: send-then-hang BROKER_URL RESULT_BACKEND COUNT");
            return 64;
        }

        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = args[0];
            b.Options.ResultBackend = args[1];
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });
        int count = int.Parse(args[2], CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            AsyncResult<int> sent = await app.SendAsync(Remote.Jobs.Add.Signature(i, i));
            Console.WriteLine($"sent {sent.Id}");
        }

        Console.WriteLine("all sent");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
