using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Consumes task queues and runs the app's registered tasks: up to the concurrency limit at once, acking
/// after each task ends, rejecting what it cannot read without requeue, and never stopping for a bad message.
/// This type is the worker's lifecycle; decoding lives in <see cref="DeliveryHandler"/>, running in
/// <see cref="TaskExecutor"/>, ETA waits in <see cref="EtaScheduler"/>.
/// </summary>
public sealed partial class TaskWorker : IAsyncDisposable, IWorkerState
{
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);

    private readonly WorkerDependencies _dependencies;
    private readonly TaskAppOptions _settings;
    private readonly ILogger _logger;
    private readonly WorkerAddOns? _addOns;
    private readonly WorkerContext _context;
    private readonly TaskExecutor _executor;
    private readonly EtaScheduler _eta;
    private readonly RateLimits _rates = new();
    private readonly DeliveryHandler _handler;
    private const int ConsumerStartParallelism = 8;

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception> _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Task> _stoppedConsuming = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<IWorkerService> _services = [];

    // 0 created, 1 consuming, 2 stopping (no task starts), 3 stopped or draining.
    private int _state;
    private long _stopStarted;

    internal TaskWorker(WorkerDependencies dependencies, WorkerOptions options)
    {
        _dependencies = dependencies;
        _settings = dependencies.Options;
        _logger = dependencies.LoggerFactory.CreateLogger("TaskGen.Worker");
        Concurrency = options.Concurrency;
        NodeName = WorkerOptions.ResolveNodeName(options.NodeName);
        _queues = options.Queues.Count > 0 ? options.Queues.Distinct(StringComparer.Ordinal).ToArray() : [_settings.TaskDefaultQueue];

        // Known before the first delivery, so the retries of every queue read one finished set. A queue that routing
        // refuses is still refused by StartAsync, which resolves each queue before consuming it.
        HashSet<string> delayedQueues = Queues
            .Where(queue => TaskQueueTopology.DelaysInBroker(dependencies.Transport, dependencies.Router.DeclarationOf(queue), _settings.TaskDefaultQueueType))
            .ToHashSet(StringComparer.Ordinal);

        // Remote control and events are built now, on this worker's state, and started once it consumes: the
        // events send no task event before they are online, as before the worker consumed there was no observer.
        _addOns = dependencies.AddOns?.Invoke(this, options.SendTaskEvents);

        IResultStore store = dependencies.Results.CreateStore(NodeName);
        var answers = new TaskAnswers(NodeName, store, dependencies.LoggerFactory.CreateLogger("TaskGen.Results"));
        _context = new WorkerContext(
            NodeName,
            Concurrency,
            _settings,
            dependencies.Publisher,
            answers,
            new FollowUps(answers, dependencies.Router, dependencies.Results.Groups, dependencies.Origin, _logger),
            delayedQueues,
            _addOns?.Observer,
            dependencies.Services,
            store as ITickClaims);
        _executor = new TaskExecutor(_context, dependencies.Filters, _logger);
        _eta = new EtaScheduler(_context, _settings.WorkerEtaTaskLimit, _settings.WorkerMaxHoldTime, _logger);
        _handler = new DeliveryHandler(_context, dependencies.Tasks, _settings.WorkerMaxBodySize, _eta, _rates, _executor, _logger);
    }

    /// <summary>The worker's node name, <c>name@host</c>.</summary>
    public string NodeName { get; }

    /// <summary>The queues the worker consumes: those it started with, and those remote control added or cancelled since.</summary>
    public IReadOnlyList<string> Queues => _queues;

    /// <summary>How many tasks run at once.</summary>
    public int Concurrency { get; }

    /// <summary>How many messages the worker may hold unacknowledged per queue.</summary>
    public int Prefetch => Concurrency * _settings.WorkerPrefetchMultiplier;

    /// <summary>How many tasks of each name this worker has finished, as <c>inspect stats</c> reports under <c>total</c>.</summary>
    public IReadOnlyDictionary<string, long> Processed => _executor.Processed;

    /// <summary>The requests running now.</summary>
    public IReadOnlyCollection<TaskInvocation> Active => _executor.Active.Select(a => a.Invocation).ToArray();

    /// <summary>How many tasks wait for their ETA on this worker now.</summary>
    public int Scheduled => _eta.Held;

    /// <summary>How many tasks ran past their hard time limit and were left to finish on their own.</summary>
    public long Abandoned => _executor.Abandoned;

    /// <summary>When the worker started consuming.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>
    /// Completes with the cause when the worker can no longer consume (a queue whose consumer could not be
    /// restored); a host should then exit non-zero so that its supervisor restarts it.
    /// </summary>
    public Task<Exception> Faulted => _faulted.Task;

    /// <summary>Whether the worker has started and still consumes: false before start, after stop, and once <see cref="Faulted"/>.</summary>
    public bool IsConsuming => Volatile.Read(ref _state) == 1 && !_faulted.Task.IsCompleted;

    IReadOnlyCollection<ActiveTask> IWorkerState.ActiveTasks => _executor.Active.ToArray();

    IReadOnlyCollection<HeldTask> IWorkerState.ScheduledTasks => _eta.Waiting.Select(static held => new HeldTask(held.Value, held.Key)).ToArray();

    IReadOnlyCollection<HeldTask> IWorkerState.ReservedTasks => _context.Reserved.Select(static held => new HeldTask(held.Value, held.Key)).ToArray();

    /// <summary>Marks tasks as revoked: if they have not started on this worker, they will not run.</summary>
    /// <param name="taskIds">The task ids.</param>
    public void Revoke(IEnumerable<string> taskIds) => _context.Revoked.Add(taskIds, Environment.TickCount64);

    /// <summary>Declares the worker's queues and starts consuming them.</summary>
    /// <param name="cancellationToken">Cancels starting.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The worker has already been started.");
        }

        // Queues first: a queue that no assembly declares is a mistake no broker can fix, so it is reported before any
        // wait for the broker, and before the broker is touched at all.
        QueueDeclaration[] declarations = Queues.Select(_dependencies.Router.ResolveQueue).ToArray();

        // Then the broker, waited for while it is down (Celery's broker_connection_retry_on_startup), so that a worker
        // started before RabbitMQ comes up, and an unreachable broker is reported as that, not as a failed declaration.
        await BrokerStartup.ConnectAsync(_dependencies.Transport, _settings, TimeProvider.System, _logger, cancellationToken).ConfigureAwait(false);

        // Dead letters: the broker policy names this exchange, and without it the broker drops what workers reject.
        if (!string.IsNullOrEmpty(_settings.DeadLetterQueue))
        {
            try
            {
                await TaskQueueTopology.DeclareDeadLetterQueueAsync(_dependencies.Transport, _settings.DeadLetterQueue, cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerException ex)
            {
                // Running tasks matters more than where their rejects go: a clash over the queue's flags is logged, not fatal.
                LogDeadLetterQueueNotDeclared(_logger, ex, _settings.DeadLetterQueue);
            }
        }

        // Each consumer opens a channel of its own in four broker round trips, so they are opened several at a time:
        // one after another, a worker on 1,000 queues took 8-31 s to be ready. A failure ends the start as before.
        var started = new QueueConsumer?[declarations.Length];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, declarations.Length),
                new ParallelOptions { MaxDegreeOfParallelism = ConsumerStartParallelism, CancellationToken = cancellationToken },
                async (index, ct) => started[index] = await StartConsumerAsync(declarations[index], ct).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            // What did start is stopped with the worker, in the order of its queues.
            lock (_consumersLock)
            {
                _consumers.AddRange(started.OfType<QueueConsumer>());
            }
        }

        if (_addOns is { } addOns)
        {
            _services = addOns.Services;
            foreach (IWorkerService service in _services)
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        StartedAt = DateTimeOffset.UtcNow;
        LogReady(_logger, NodeName, string.Join(",", Queues), Concurrency);
    }

    private ConsumerSpecification Consumer(QueueDeclaration queue, RunningSet running) => new(queue.Name, delivery => HandleTracked(delivery, running))
    {
        Prefetch = Prefetch,
        AutoAck = false,
        AckBatchSize = Math.Clamp(_settings.WorkerAckBatchSize, 1, Math.Max(1, Prefetch / 2)),

        // Run before every (re)start: a queue deleted under the worker, or the exclusive broadcast
        // queue that went with its channel, is declared again before consuming resumes.
        Prepare = async ct =>
        {
            await TaskQueueTopology.DeclareAsync(_dependencies.Transport, queue, _settings.TaskDefaultQueueType, ct).ConfigureAwait(false);
            return queue.Broadcast
                ? await TaskQueueTopology.DeclareBroadcastConsumerAsync(_dependencies.Transport, queue, ct).ConfigureAwait(false)
                : queue.Name;
        },
        Failed = OnConsumerFailed,
    };

    /// <summary>
    /// Stops consuming, lets running tasks finish within the app's shutdown timeout, then cancels the rest.
    /// Messages not started stay on the broker.
    /// </summary>
    /// <param name="cancellationToken">Cuts the grace period short.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await StopConsumingAsync().ConfigureAwait(false);
        if (Interlocked.CompareExchange(ref _state, 3, 2) != 2)
        {
            // Another stop drains (remote control's shutdown, then the host's): this one ends with it.
            try
            {
                await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        try
        {
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {

        // The grace counts from when consuming stopped, so a host that stops its workers one after another
        // gives each the same deadline rather than what the ones before it left over.
        TimeSpan grace = _settings.WorkerShutdownTimeout - Stopwatch.GetElapsedTime(Volatile.Read(ref _stopStarted));
        Task all = DrainAsync();
        try
        {
            await all.WaitAsync(grace > TimeSpan.Zero ? grace : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogShutdownTimeout(_logger, _handler.Running.Count);
            _context.AbortSource.Cancel();

            // A task that ignores its token cannot hold the process forever: what it holds unacknowledged
            // goes back to the broker when the consumers close.
            if (await Task.WhenAny(all, Task.Delay(AbortGrace)).ConfigureAwait(false) != all)
            {
                LogAbandonedOnStop(_logger, _handler.Running.Count);
            }
        }

        // Only now may the consumers go: running tasks needed their channels to acknowledge. Consumers that remote
        // control cancelled close once what they delivered is settled, which the drain above has seen to.
        foreach (QueueConsumer consumer in ConsumersNow())
        {
            await consumer.Consumer.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(RetiringNow()).ConfigureAwait(false);

        // Remote control keeps answering while running tasks drain; it and the events stop last.
        foreach (IWorkerService service in _services)
        {
            await service.DisposeAsync().ConfigureAwait(false);
        }

        LogStopped(_logger, NodeName);
    }

    /// <summary>
    /// The first half of <see cref="StopAsync"/>: no task starts from now on and the consumers are cancelled, while
    /// running tasks go on. A host calls it on every worker as soon as it begins to stop, so none keeps taking work
    /// while another drains; calling it again returns the same stop.
    /// </summary>
    internal Task StopConsumingAsync()
    {
        switch (Interlocked.CompareExchange(ref _state, 2, 1))
        {
            case 1:
                Volatile.Write(ref _stopStarted, Stopwatch.GetTimestamp());
                _context.StoppingSource.Cancel();
                _stoppedConsuming.SetResult(CancelConsumersAsync());
                break;
            case 0:
                // Never started: it never will, and there is nothing to drain.
                if (Interlocked.CompareExchange(ref _state, 3, 0) != 0)
                {
                    return StopConsumingAsync();
                }

                _stopped.TrySetResult();
                _stoppedConsuming.SetResult(Task.CompletedTask);
                break;
        }

        return _stoppedConsuming.Task.Unwrap();
    }

    private async Task CancelConsumersAsync()
    {
        foreach (QueueConsumer consumer in ConsumersNow())
        {
            await consumer.Consumer.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for everything the handler runs, taking the set again until it is empty: a delivery that came in
    /// while the first ones drained is only being handed back, and it needs its channel to do that.
    /// </summary>
    private async Task DrainAsync()
    {
        while (_handler.Running.Count > 0)
        {
            await Task.WhenAll(_handler.Running.ToArray()).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the worker if it is running.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _rates.Dispose();
        _context.Dispose();
    }

    private void OnConsumerFailed(Exception exception)
    {
        LogConsumerFailed(_logger, exception, NodeName);
        _faulted.TrySetResult(exception);
    }

    /// <summary>A task running now, with what <c>inspect active</c> reports of it.</summary>
    internal sealed record ActiveTask(TaskInvocation Invocation, Delivery Delivery, DateTimeOffset Started)
    {
        /// <summary>The run's cancellation, which remote control's <c>revoke</c> with <c>terminate</c> fires.</summary>
        public RunCancellation? Cancellation { get; init; }
    }

    /// <summary>A task received and not started, with what <c>inspect scheduled</c> and <c>inspect reserved</c> report of it.</summary>
    internal sealed record HeldTask(TaskRequest Request, Delivery Delivery);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} task(s) ignored cancellation; stopping without them, and their messages go back to the queue.")]
    private static partial void LogAbandonedOnStop(ILogger logger, int count);

    // The command line prints its own ready line (with the broker) and leaves this event out, so a worker says it once.
    [LoggerMessage(Level = LogLevel.Information, EventName = WorkerReadyEvent, Message = "{NodeName} ready: consuming {Queues} with concurrency {Concurrency}.")]
    private static partial void LogReady(ILogger logger, string nodeName, string queues, int concurrency);

    /// <summary>The event name of the worker's ready line, which the command line's logger leaves out.</summary>
    internal const string WorkerReadyEvent = "WorkerReady";

    [LoggerMessage(Level = LogLevel.Error, Message = "The dead-letter queue {Queue} could not be declared; what this worker rejects is kept only if it exists.")]
    private static partial void LogDeadLetterQueueNotDeclared(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "{NodeName} stopped.")]
    private static partial void LogStopped(ILogger logger, string nodeName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with {Count} task(s) still running; cancelling them.")]
    private static partial void LogShutdownTimeout(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{NodeName} can no longer consume a queue; the worker must be restarted.")]
    private static partial void LogConsumerFailed(ILogger logger, Exception exception, string nodeName);
}
