using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

[assembly: TaskQueue("work")]
[assembly: TaskQueue("slow")]
[assembly: TaskQueue("fleet", Broadcast = true)]

namespace TaskGen.IntegrationWorker;

/// <summary>Tasks the integration tests run in separate worker processes.</summary>
public static class Jobs
{
    /// <summary>Adds two integers.</summary>
    [Task(Queue = "work")]
    public static int Add(int a, int b) => a + b;

    /// <summary>Names the worker that ran it.</summary>
    [Task(Queue = "work")]
    public static string WhoAmI(TaskContext context) => context.Hostname;

    /// <summary>Takes a while, then returns its id; it ignores shutdown so a stopping worker must wait for it.</summary>
    [Task(Queue = "slow")]
    public static async Task<int> Slow(int id, int milliseconds)
    {
        await Task.Delay(milliseconds, CancellationToken.None);
        return id;
    }

    /// <summary>Runs on every worker bound to the broadcast queue.</summary>
    [Task(Queue = "fleet")]
    public static string Hello(string greeting, TaskContext context) => $"{greeting} from {context.Hostname}";

    /// <summary>Always fails.</summary>
    [Task(Queue = "work")]
    public static int Fail(string message) => throw new InvalidOperationException(message);
}
