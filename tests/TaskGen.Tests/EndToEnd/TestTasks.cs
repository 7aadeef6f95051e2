using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

[assembly: TaskJsonContext(typeof(TaskGen.Tests.EndToEnd.TestJson))]
[assembly: TaskQueue("slow")]
[assembly: TaskQueue("fleet", Broadcast = true)]

namespace TaskGen.Tests.EndToEnd;

/// <summary>A user record passed through the app's JSON context.</summary>
/// <param name="X">The x coordinate.</param>
/// <param name="Y">The y coordinate.</param>
public sealed record Point(double X, double Y);

/// <summary>The test assembly's System.Text.Json context for records.</summary>
[JsonSerializable(typeof(Point))]
[JsonSerializable(typeof(List<Point>))]
internal sealed partial class TestJson : JsonSerializerContext
{
}

/// <summary>Tasks the end-to-end tests call through their generated stubs.</summary>
public static class TestTasks
{
    /// <summary>Notes recorded by <see cref="Record"/>, keyed by note text.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Recorded = new();

    /// <summary>Adds two integers.</summary>
    [Task]
    public static int Add(int a, int b) => a + b;

    /// <summary>Divides, throwing on a zero divisor.</summary>
    [Task]
    public static double Divide(double a, double b) => b == 0 ? throw new DivideByZeroException("cannot divide by zero") : a / b;

    /// <summary>Returns its text after yielding, honouring cancellation.</summary>
    [Task]
    public static async Task<string> EchoAsync(string text, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return text;
    }

    /// <summary>The midpoint of two points.</summary>
    [Task]
    public static Point Midpoint(Point a, Point b) => new((a.X + b.X) / 2, (a.Y + b.Y) / 2);

    /// <summary>The sum of a list of points.</summary>
    [Task]
    public static Point Sum(List<Point> points)
    {
        double x = 0, y = 0;
        foreach (Point p in points)
        {
            x += p.X;
            y += p.Y;
        }

        return new Point(x, y);
    }

    /// <summary>Records a note, with no result.</summary>
    [Task]
    public static void Record(string note) => Recorded.GetOrAdd(note, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>A greeting with an optional keyword argument.</summary>
    [Task(Name = "tests.greet")]
    public static string Greet(string name, string greeting = "Hello") => $"{greeting}, {name}!";

    /// <summary>The node name of the worker that runs it.</summary>
    [Task]
    public static string WhoAmI(TaskContext context) => context.Hostname + "|" + context.Id;

    /// <summary>Counts the values of a dictionary of lists.</summary>
    [Task]
    public static Dictionary<string, int> Counts(Dictionary<string, List<int>> groups, DateTimeOffset when, Guid id, decimal price)
    {
        var counts = new Dictionary<string, int>();
        foreach (KeyValuePair<string, List<int>> group in groups)
        {
            counts[group.Key] = group.Value.Count;
        }

        counts["year"] = when.Year;
        counts["guid"] = id == Guid.Empty ? 0 : 1;
        counts["cents"] = (int)(price * 100);
        return counts;
    }

    /// <summary>Runs on every worker of the broadcast queue and names the worker.</summary>
    [Task(Queue = "fleet")]
    public static string Hello(string greeting, TaskContext context) => $"{greeting} from {context.Hostname}";

    /// <summary>Describes values that kombu 5.3 sends as tagged objects.</summary>
    [Task]
    public static string Describe(DateTime when, decimal amount, Guid id, DateOnly day, TimeOnly at, byte[] data) =>
        string.Join("|", when.ToString("o", System.Globalization.CultureInfo.InvariantCulture), amount.ToString(System.Globalization.CultureInfo.InvariantCulture), id.ToString(), day.ToString("o", System.Globalization.CultureInfo.InvariantCulture), at.ToString("o", System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetString(data));

    /// <summary>Signals that it started, then waits until its token is cancelled.</summary>
    [Task]
    public static async Task<string> WaitForCancellation(string key, CancellationToken cancellationToken)
    {
        Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return key;
    }

    /// <summary>Gates that <see cref="WaitForGate"/> waits on, keyed by name; a test opens one to let its task finish.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    /// <summary>Signals that it started, then waits for its gate, ignoring cancellation, as a task in mid-work would.</summary>
    [Task]
    public static async Task<string> WaitForGate(string key)
    {
        Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        return key;
    }

    /// <summary>How many times <see cref="CountedGate"/> started, keyed by its key: a task run twice counts 2.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new();

    /// <summary>Counts its run, then waits for its gate as <see cref="WaitForGate"/> does, so its message stays unacknowledged meanwhile.</summary>
    [Task]
    public static async Task<string> CountedGate(string key)
    {
        Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);
        Recorded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        return key;
    }

    /// <summary>A task routed to a queue no worker in the tests consumes.</summary>
    [Task(Queue = "slow")]
    public static int Slow(int x) => x;
}
