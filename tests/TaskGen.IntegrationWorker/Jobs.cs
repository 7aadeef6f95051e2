using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

[assembly: TaskQueue("work")]
[assembly: TaskQueue("slow")]
[assembly: TaskQueue("fleet", Broadcast = true)]
[assembly: TaskQueue("mixed")]
[assembly: TaskQueue("interop_fleet", Broadcast = true)]

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

    /// <summary>Writes a file, so a caller that asked for no result can still see that it ran.</summary>
    [Task(Queue = "work")]
    public static void Touch(string path) => System.IO.File.WriteAllText(path, "touched");

    /// <summary>Returns a header of its own message, custom ones included.</summary>
    [Task(Queue = "work")]
    public static string? Header(string name, TaskContext context) => context.Header(name);

    /// <summary>Answers "dotnet"; a Python worker answers the same task name with "python".</summary>
    [Task(Name = "interop.whoami", Queue = "mixed")]
    public static string WhoAmIInterop() => "dotnet";

    /// <summary>Always fails.</summary>
    [Task(Queue = "work")]
    public static int Fail(string message) => throw new InvalidOperationException(message);

    private static readonly object s_recordLock = new();

    /// <summary>
    /// Appends its id to <c>path.&lt;process id&gt;</c>, so a test can count every run of every task, duplicates
    /// included: a file per process and a lock, because .NET's append mode seeks to the end rather than
    /// appending atomically, so concurrent writers would overwrite each other's lines.
    /// </summary>
    [Task(Queue = "work")]
    public static int Record(string path, int id)
    {
        lock (s_recordLock)
        {
            System.IO.File.AppendAllText($"{path}.{Environment.ProcessId}", id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        }

        return id;
    }

    /// <summary>
    /// Records its run as <see cref="Record"/> does, then takes a while: a test that drops the worker's channel while
    /// it runs counts which runs started twice.
    /// </summary>
    [Task(Queue = "work")]
    public static async Task<int> RecordSlowly(string path, int id, int milliseconds)
    {
        Record(path, id);
        await Task.Delay(milliseconds, CancellationToken.None);
        return id;
    }

    /// <summary>Blocks its thread without looking at any token, as code that cannot be interrupted does.</summary>
    [Task(Queue = "work")]
    public static int Block(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>A synchronous loop that polls its token, as a long CPU-bound task written for .NET does.</summary>
    [Task(Queue = "work")]
    public static int Spin(int milliseconds, CancellationToken cancellationToken)
    {
        long end = Environment.TickCount64 + milliseconds;
        int rounds = 0;
        while (Environment.TickCount64 < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.SpinWait(1_000);
            rounds++;
        }

        return rounds;
    }

    /// <summary>Returns NaN, which only Python's JSON dialect can carry.</summary>
    [Task(Queue = "work")]
    public static double NotANumber() => double.NaN;

    /// <summary>Returns its argument, as the next step of a chain.</summary>
    [Task(Queue = "work")]
    public static double Echo(double value) => value;

    /// <summary>
    /// Records its run (<c>retries eta started</c>, one line per run in <c>path.&lt;process id&gt;</c>) and times out until it
    /// has been retried <paramref name="failures"/> times; then returns how many retries it took.
    /// </summary>
    [Task(Queue = "work", MaxRetries = 3, RetryFor = new[] { typeof(TimeoutException) }, RetryBackoff = 0.2, RetryJitter = false)]
    public static int Flaky(string path, int failures, TaskContext context)
    {
        RecordAttempt(path, context);
        return context.Retries < failures ? throw new TimeoutException($"attempt {context.Retries} timed out") : context.Retries;
    }

    /// <summary>As <see cref="Flaky"/>, with a retry 4 seconds off, so a test can kill the worker that holds it.</summary>
    [Task(Queue = "work", MaxRetries = 2, RetryFor = new[] { typeof(TimeoutException) }, RetryBackoff = 4, RetryJitter = false)]
    public static int FlakyLater(string path, int failures, TaskContext context)
    {
        RecordAttempt(path, context);
        return context.Retries < failures ? throw new TimeoutException($"attempt {context.Retries} timed out") : context.Retries;
    }

    /// <summary>Records when it started (<c>id ticks</c>), at most 5 runs a second per worker.</summary>
    [Task(Queue = "work", RateLimit = "5/s")]
    public static int Limited(string path, int id)
    {
        lock (s_recordLock)
        {
            System.IO.File.AppendAllText($"{path}.{Environment.ProcessId}", FormattableString.Invariant($"{id} {DateTimeOffset.UtcNow.UtcTicks}\n"));
        }

        return id;
    }

    private static void RecordAttempt(string path, TaskContext context)
    {
        lock (s_recordLock)
        {
            System.IO.File.AppendAllText($"{path}.{Environment.ProcessId}", FormattableString.Invariant($"{context.Retries} {context.Eta?.UtcTicks ?? 0} {DateTimeOffset.UtcNow.UtcTicks}\n"));
        }
    }

    /// <summary>Returns a string of <paramref name="length"/> characters, for results larger than a broker accepts.</summary>
    [Task(Queue = "work")]
    public static string Big(int length) => new('x', length);
}
