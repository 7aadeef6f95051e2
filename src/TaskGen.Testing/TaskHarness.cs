using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Testing;

/// <summary>
/// Tests code that sends tasks without a broker, as MassTransit's test harness and Celery's <c>task_always_eager</c>
/// do: the harness's app becomes <see cref="TaskApp.Default"/> for the test's own calls, records every task message
/// sent, runs tasks on an in-process worker (at once, or on <see cref="RunPendingAsync"/>), and asserts on what was
/// sent and how it ran.
/// </summary>
/// <remarks>
/// <see cref="TaskApp.Default"/> is replaced only for the execution context that called <see cref="StartAsync"/> and
/// what flows from it (an <see cref="AsyncLocal{T}"/>), so tests running in parallel each see their own harness. Start
/// it in the test method itself: a harness started in an async fixture's initialisation does not flow into the test.
/// </remarks>
public sealed class TaskHarness : IAsyncDisposable
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(10);

    private readonly HarnessRecorder _recorder;
    private readonly TaskApp? _previousDefault;
    private readonly string[] _queues;
    private TaskWorker? _worker;
    private int _disposed;

    private TaskHarness(TaskApp app, HarnessRecorder recorder, TaskHarnessMode mode, TaskApp? previousDefault)
    {
        App = app;
        _recorder = recorder;
        Mode = mode;
        _previousDefault = previousDefault;
        _queues = [.. app.Tasks.Queues.Select(q => q.Name).Append(app.Options.TaskDefaultQueue).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The harness's app, on a private <c>memory://</c> broker; stubs send through it within the test.</summary>
    public TaskApp App { get; }

    /// <summary>When tasks run: as soon as they are sent, or on <see cref="RunPendingAsync"/>.</summary>
    public TaskHarnessMode Mode { get; }

    /// <summary>How long <see cref="RunPendingAsync"/> waits for the sent tasks to finish before it fails: 30 seconds unless set.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Builds an app on a private in-memory broker, makes it <see cref="TaskApp.Default"/> for the calling test, and
    /// in <see cref="TaskHarnessMode.Eager"/> mode starts its worker:
    /// <c>await using var harness = await TaskHarness.StartAsync(b =&gt; b.AddWebShopTasksTasks());</c>
    /// </summary>
    /// <param name="configure">Adds the task modules (and services for <c>[FromServices]</c> parameters) the code under test needs.
    /// The broker is always a private <c>memory://</c> one and results come back by <c>rpc://</c>, whatever it sets.</param>
    /// <param name="mode">When tasks run.</param>
    /// <param name="cancellationToken">Cancels starting the worker.</param>
    /// <exception cref="TaskAppConfigurationException">A setting is refused.</exception>
    public static Task<TaskHarness> StartAsync(Action<TaskAppBuilder> configure, TaskHarnessMode mode = TaskHarnessMode.Eager, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var recorder = new HarnessRecorder();
        TaskApp app = TaskApp.Create(b =>
        {
            configure(b);

            // Each harness has a broker of its own, so tests running in parallel never take each other's messages.
            b.Options.BrokerUrl = "memory://taskgen-harness-" + Guid.NewGuid().ToString("N");
            b.Options.ResultBackend = "rpc://";
            b.SendObserver = recorder;
            b.AddFilter(recorder);
        });
        recorder.Parameters = name => app.Tasks.TryGet(name, out _, out TaskDefinition definition) ? definition.Parameters : [];

        // Not an async method: the AsyncLocal set here stays set in the caller's context once this returns.
        var harness = new TaskHarness(app, recorder, mode, TaskApp.ScopedDefault);
        TaskApp.SetScopedDefault(app);
        return harness.StartCoreAsync(cancellationToken);
    }

    /// <summary>Every task message sent since the harness started, in the order they were sent; a publish that failed is left out.</summary>
    public IReadOnlyList<SentTask> Sent() => _recorder.SentTasks;

    /// <summary>The messages sent for <paramref name="task"/>, such as <c>Geometry.RectArea.Descriptor</c>.</summary>
    /// <param name="task">The task's descriptor.</param>
    public IReadOnlyList<SentTask> Sent(TaskDescriptor task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return [.. _recorder.SentTasks.Where(s => s.Name == task.Name)];
    }

    /// <summary>Every run of a task by the harness's worker, in the order they finished.</summary>
    public IReadOnlyList<TaskRun> Runs() => _recorder.Runs;

    /// <summary>The runs of <paramref name="task"/>.</summary>
    /// <param name="task">The task's descriptor.</param>
    public IReadOnlyList<TaskRun> Runs(TaskDescriptor task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return [.. _recorder.Runs.Where(r => r.Name == task.Name)];
    }

    /// <summary>The runs that threw, of any task.</summary>
    public IReadOnlyList<TaskRun> Failed() => [.. _recorder.Runs.Where(r => !r.Succeeded)];

    /// <summary>The runs of <paramref name="task"/> that threw.</summary>
    /// <param name="task">The task's descriptor.</param>
    public IReadOnlyList<TaskRun> Failed(TaskDescriptor task) => [.. Runs(task).Where(r => !r.Succeeded)];

    /// <summary>
    /// Asserts that a call equal to <paramref name="expected"/> was sent, comparing the task and the encoded
    /// arguments (<c>harness.AssertSent(Geometry.RectArea.Signature(2, 2))</c>), and returns the first such call.
    /// </summary>
    /// <param name="expected">The call, made with the task's generated <c>Signature</c> method.</param>
    /// <exception cref="TaskHarnessAssertionException">No such call was sent; the message lists what was.</exception>
    public SentTask AssertSent(Signature expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        string args = HarnessJson.Write(expected.Arguments.WriteArgs);
        string kwargs = HarnessJson.Write(expected.Arguments.WriteKwargs);
        IReadOnlyList<SentTask> sent = _recorder.SentTasks;
        SentTask? match = sent.FirstOrDefault(s => s.Name == expected.Task.Name && s.ArgsJson == args && s.KwargsJson == kwargs);
        return match ?? throw new TaskHarnessAssertionException(
            $"Expected a call of {expected.Task.Name} with args {args}, kwargs {kwargs}, but {Describe(sent)}");
    }

    /// <summary>Asserts that <paramref name="task"/> was sent exactly <paramref name="times"/> times and returns those calls.</summary>
    /// <param name="task">The task's descriptor.</param>
    /// <param name="times">How many calls are expected; retries count, as they are messages sent.</param>
    /// <exception cref="TaskHarnessAssertionException">The count differs; the message lists what was sent.</exception>
    public IReadOnlyList<SentTask> AssertSent(TaskDescriptor task, int times)
    {
        IReadOnlyList<SentTask> calls = Sent(task);
        if (calls.Count != times)
        {
            throw new TaskHarnessAssertionException($"Expected {times} call(s) of {task.Name}, but {Describe(_recorder.SentTasks)}");
        }

        return calls;
    }

    /// <summary>Asserts that nothing was sent for <paramref name="task"/>.</summary>
    /// <param name="task">The task's descriptor.</param>
    /// <exception cref="TaskHarnessAssertionException">It was sent; the message lists the calls.</exception>
    public void AssertNotSent(TaskDescriptor task) => AssertSent(task, 0);

    /// <summary>
    /// Runs what has been sent and waits until nothing is left to run: no publish under way, no message waiting in
    /// the harness's queues and no task running, including what the tasks themselves send. In
    /// <see cref="TaskHarnessMode.OnDemand"/> mode a worker runs for the call only; in eager mode it only waits.
    /// Tasks held for a countdown or ETA still ahead are not waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">Work was still pending after <see cref="Timeout"/>.</exception>
    public async Task RunPendingAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Mode == TaskHarnessMode.Eager)
        {
            await WaitIdleAsync(_worker!, cancellationToken).ConfigureAwait(false);
            return;
        }

        TaskWorker worker = CreateWorker();
        await using (worker.ConfigureAwait(false))
        {
            await worker.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await WaitIdleAsync(worker, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await worker.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the worker and the app, and gives <see cref="TaskApp.Default"/> back to the app it replaced in this context.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        // Synchronous, as in StartAsync, so that the caller's context no longer sends through a stopped app.
        if (ReferenceEquals(TaskApp.ScopedDefault, App))
        {
            TaskApp.SetScopedDefault(_previousDefault);
        }

        return DisposeCoreAsync();
    }

    private async ValueTask DisposeCoreAsync()
    {
        if (_worker is { } worker)
        {
            await worker.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        await App.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<TaskHarness> StartCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Mode == TaskHarnessMode.Eager)
            {
                _worker = CreateWorker();
                await _worker.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return this;
        }
        catch
        {
            await DisposeCoreAsync().ConfigureAwait(false);
            throw;
        }
    }

    private TaskWorker CreateWorker() =>
        // More than one slot, so that a task that waits for another task's result does not wait for itself.
        App.CreateWorker(new WorkerOptions { Queues = _queues, Concurrency = 4, NodeName = "harness-" + Guid.NewGuid().ToString("N")[..8] + "@localhost" });

    private async Task WaitIdleAsync(TaskWorker worker, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            // Idle three checks in a row: a worker sends a chain's next step or a retry just after its task returns.
            int quiet = 0;
            while (quiet < 3)
            {
                quiet = await IsIdleAsync(worker, timeout.Token).ConfigureAwait(false) ? quiet + 1 : 0;
                await Task.Delay(s_settle, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Tasks were still pending after {Timeout.TotalSeconds:0.#} s: {_recorder.Running} running, {_recorder.Publishing} being sent. {Describe(_recorder.SentTasks)}");
        }
    }

    private async Task<bool> IsIdleAsync(TaskWorker worker, CancellationToken cancellationToken)
    {
        IWorkerState state = worker;
        if (_recorder.Publishing > 0 || _recorder.Running > 0 || state.ActiveTasks.Count > 0 || state.ReservedTasks.Count > 0)
        {
            return false;
        }

        foreach (string queue in _queues)
        {
            if (await App.Transport.InspectQueueAsync(queue, cancellationToken).ConfigureAwait(false) is { Messages: > 0 })
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(IReadOnlyList<SentTask> sent)
    {
        if (sent.Count == 0)
        {
            return "nothing was sent.";
        }

        var text = new StringBuilder().Append(sent.Count).Append(" call(s) were sent:");
        foreach (SentTask call in sent)
        {
            text.Append(Environment.NewLine).Append("  ").Append(call);
        }

        return text.ToString();
    }
}
