using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Perfolizer.Metrology;
using TaskGen.Worker;

namespace TaskGen.Benchmarks.Worker;

/// <summary>
/// The whole in-process path of one <c>Add(i, 1)</c>, which <see cref="WorkerTaskBenchmarks"/> leaves out: an app
/// on a private <c>memory://</c> broker sends a batch of calls through the generated stub, a running
/// <see cref="TaskWorker"/> takes each delivery through its executor (gate, dispatch, outcome, settle) and
/// publishes the result, and the app's <c>rpc://</c> backend hands each result to its waiter. Figures are per task
/// (<c>OperationsPerInvoke</c> = <see cref="Batch"/>) and count every thread's allocations, the producer's and
/// the worker's together. They are not exact: which awaits find their work done depends on the scheduling, so a
/// build's runs spread over several hundred bytes per task; compare medians of several runs. The in-memory transport
/// publishes synchronously, so a result never waits for a broker confirm here as it does on RabbitMQ.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BytesPerTaskConfig))]
public class WorkerRunBenchmarks
{
    /// <summary>Calls sent per benchmark invocation, all in flight at once.</summary>
    public const int Batch = 1_000;

    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private readonly Task<int>[] _pending = new Task<int>[Batch];

    private TaskApp _app = null!;
    private TaskWorker _worker = null!;

    /// <summary>Starts the app and a worker on a broker of their own, and checks one call's result.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string broker = "memory://bench-" + Guid.NewGuid().ToString("N");
        _app = TaskApp.Create(builder =>
        {
            builder.Options.BrokerUrl = broker;
            builder.AddTasks(TaskGen.Generated.TaskGenBenchmarksTaskModule.Instance);
            Configure(builder);
        });
        _worker = _app.CreateWorker(new WorkerOptions { Queues = ["celery"], Concurrency = 4, NodeName = "bench@run" });
        _worker.StartAsync().GetAwaiter().GetResult();

        // Fail here, not in a report, if the path computes something else.
        int five = _app.Send(TaskGen.Benchmarks.Tasks.Remote.Arithmetic.Add.Signature(2, 3)).GetAsync(s_guard).GetAwaiter().GetResult();
        if (five != 5)
        {
            throw new InvalidOperationException($"Add(2, 3) came back as {five}.");
        }
    }

    /// <summary>Stops the worker and the app.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _worker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// <see cref="Batch"/> calls of <c>Add(i, 1)</c> sent without waiting, then every result awaited; returns the
    /// sum of the results, so nothing is optimized away.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "Whole path: send → worker run → result, per task")]
    public async Task<long> SendRunAwait()
    {
        for (int i = 0; i < Batch; i++)
        {
            _pending[i] = _app.Send(TaskGen.Benchmarks.Tasks.Remote.Arithmetic.Add.Signature(i, 1)).GetAsync(s_guard);
        }

        long sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _pending[i].ConfigureAwait(false);
        }

        return sum;
    }

    /// <summary>Changes the app before it is built; the plain benchmark adds nothing.</summary>
    /// <param name="builder">The app's builder.</param>
    protected virtual void Configure(TaskAppBuilder builder)
    {
    }
}

/// <summary>The same whole path with one task filter that only calls the next step: what a filter costs.</summary>
public class WorkerRunWithFilterBenchmarks : WorkerRunBenchmarks
{
    /// <inheritdoc />
    protected override void Configure(TaskAppBuilder builder) => builder.AddFilter(new PassThroughFilter());

    private sealed class PassThroughFilter : ITaskFilter
    {
        public ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next) => next(invocation);
    }
}

/// <summary>Reports allocations in bytes, not kilobytes: a few bytes per task is the difference looked for.</summary>
internal sealed class BytesPerTaskConfig : ManualConfig
{
    public BytesPerTaskConfig() => SummaryStyle = SummaryStyle.Default.WithSizeUnit(SizeUnit.B);
}
