using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen;

/// <summary>
/// A TaskGen application, as Celery's <c>app</c>: the configuration, the broker connection, the result
/// backend and the known tasks. Generated stubs send through <see cref="Default"/>.
/// </summary>
public sealed partial class TaskApp : IAsyncDisposable
{
    private static TaskApp? s_default;

    // A test harness installs its app for the calls that flow from one test only, so tests that run in parallel each
    // send through their own app while a host's app stays the default for everything else.
    private static readonly AsyncLocal<TaskApp?> s_scoped = new();

    private volatile bool _disposed;

    private readonly ILogger _logger;
    private readonly IResultBackend? _results;
    private readonly ResultBackends _backends;
    private readonly ResultWaits _waits;
    private readonly ConcurrentDictionary<IReadOnlyList<QueueDeclaration>, bool> _seenQueueLists = new(ReferenceEqualityComparer.Instance);
    private SemaphoreSlim? _publishSlots;

    internal TaskApp(TaskAppOptions options, ITransport transport, TaskRegistry tasks, ILoggerFactory loggerFactory, IReadOnlyDictionary<string, IResultBackendProvider> resultBackends, ISendObserver? sendObserver = null)
    {
        Options = options;
        Transport = transport;
        Origin = $"gen{Environment.ProcessId}@{Environment.MachineName}";
        LoggerFactory = loggerFactory;

        // Only an app that asks for task-sent events watches its sends for them, so the others pay nothing.
        Events.TaskSentEvents? sentEvents = options.TaskSendSentEvent ? new Events.TaskSentEvents(transport, Origin, loggerFactory.CreateLogger("TaskGen.Events")) : null;
        ISendObserver observer = SendObserverPair.Of(Diagnostics.TaskGenTelemetry.Sends, sentEvents);
        Publisher = new TaskPublisher(transport, SendObserverPair.Of(observer, sendObserver));
        Router = new TaskRouter(options, tasks, Publisher);
        Tasks = tasks;
        _logger = loggerFactory.CreateLogger("TaskGen.TaskApp");
        _backends = ResultBackends.Create(options, transport, loggerFactory, resultBackends);
        _results = _backends.Client;
        _waits = new ResultWaits(_results, options.ResultExpires, transport);
    }

    /// <summary>The app generated stubs send through; set by <see cref="Configure"/> or the command-line host.</summary>
    /// <exception cref="InvalidOperationException">No app has been configured.</exception>
    public static TaskApp Default
    {
        // A scoped app that was disposed (a harness that failed to start, or was disposed out of order) cannot be
        // cleared from the context that set it, so it is passed over here instead.
        get => (s_scoped.Value is { _disposed: false } scoped ? scoped : null) ?? Volatile.Read(ref s_default) ?? throw new InvalidOperationException(
            "No TaskApp is configured: call TaskApp.Configure(...) at startup (or run through TaskApp.RunAsync) before calling a task stub, or send with app.SendAsync(signature).");
        set => Volatile.Write(ref s_default, value);
    }

    /// <summary>The app's options.</summary>
    public TaskAppOptions Options { get; }

    /// <summary>The transport to the broker.</summary>
    internal ITransport Transport { get; }

    /// <summary>The stored results of the app's result backend, newest first, when it keeps them by id (Redis); null for <c>rpc://</c>.</summary>
    internal Results.IResultHistory? ResultHistory => _backends.Client as Results.IResultHistory;

    /// <summary>The known tasks and queues.</summary>
    internal TaskRegistry Tasks { get; }

    /// <summary>The one road this app's task messages, and its workers', take to the broker.</summary>
    internal TaskPublisher Publisher { get; }

    /// <summary>Where this app's tasks, and the steps its workers send on, go.</summary>
    internal TaskRouter Router { get; }

    /// <summary>The logger factory the app and its workers log through.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The filters every task run of this app's workers goes through, the first outermost.</summary>
    internal IReadOnlyList<ITaskFilter> Filters { get; init; } = [];

    /// <summary>The container that tasks' <c>[FromServices]</c> parameters come from; set by <c>services.AddTaskGen</c>, null otherwise.</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>This producer's node name, sent as the <c>origin</c> header.</summary>
    public string Origin { get; }

    /// <summary>Builds an app.</summary>
    /// <param name="configure">Sets options, adds task modules, chooses logging.</param>
    /// <exception cref="TaskAppConfigurationException">A setting is refused.</exception>
    public static TaskApp Create(Action<TaskAppBuilder>? configure = null)
    {
        var builder = new TaskAppBuilder();
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Builds an app and makes it <see cref="Default"/>, so that generated stubs send through it.</summary>
    /// <param name="configure">Sets options, adds task modules, chooses logging.</param>
    /// <exception cref="TaskAppConfigurationException">A setting is refused.</exception>
    public static TaskApp Configure(Action<TaskAppBuilder>? configure = null)
    {
        TaskApp app = Create(configure);
        Default = app;
        return app;
    }

    /// <summary>
    /// Runs the command-line program of a task app (<c>worker</c>, <c>call</c>, ...) and returns its exit code,
    /// as <c>celery -A app</c> does: <c>return await TaskApp.RunAsync(args, app =&gt; app.AddCeleryAppTasks());</c>
    /// </summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Adds the program's tasks and options.</param>
    /// <param name="cancellationToken">Stops the command, as a signal does.</param>
    public static Task<int> RunAsync(string[] args, Action<TaskAppBuilder>? configure = null, CancellationToken cancellationToken = default) =>
        Cli.TaskAppHost.RunAsync(args, configure, cancellationToken);

    /// <summary>
    /// Sends a task without waiting: the result is returned at once, publishing continues in the
    /// background, and a failed publish faults the result (and is logged).
    /// </summary>
    /// <param name="signature">The call.</param>
    /// <exception cref="TaskRoutingException">The call is routed to a queue no assembly declared.</exception>
    public AsyncResult Send(Signature signature)
    {
        (TaskEnvelope envelope, QueueDeclaration queue, AsyncResult result) = Prepare(signature);
        _ = PublishInBackgroundAsync(envelope, queue, result);
        return result;
    }

    /// <summary>Sends a task with a typed result without waiting; see <see cref="Send(Signature)"/>.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="signature">The call.</param>
    public AsyncResult<TResult> Send<TResult>(Signature<TResult> signature) => (AsyncResult<TResult>)Send((Signature)signature);

    /// <summary>Sends a task and completes once the broker has confirmed the message.</summary>
    /// <param name="signature">The call.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <exception cref="TaskRoutingException">The call is routed to a queue no assembly declared.</exception>
    /// <exception cref="MessageNotRoutedException">The broker had no queue for the message.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads take the typed and the untyped signature, so no call is ambiguous; the token is optional as on every async API.")]
    public async Task<AsyncResult> SendAsync(Signature signature, CancellationToken cancellationToken = default)
    {
        (TaskEnvelope envelope, QueueDeclaration queue, AsyncResult result) = Prepare(signature);
        await PublishOrForgetAsync(envelope, queue, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends a task with a typed result and completes once the broker has confirmed it.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="signature">The call.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads take the typed and the untyped signature, so no call is ambiguous; the token is optional as on every async API.")]
    public async Task<AsyncResult<TResult>> SendAsync<TResult>(Signature<TResult> signature, CancellationToken cancellationToken = default) =>
        (AsyncResult<TResult>)await SendAsync((Signature)signature, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Opens the broker connections now rather than on first use, so that a program learns at its start, from one
    /// <see cref="BrokerException"/> whose message says what to do, that the broker cannot be reached. One attempt;
    /// workers wait for the broker themselves (<see cref="TaskAppOptions.BrokerConnectionRetryOnStartup"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <exception cref="BrokerException">The broker cannot be reached; the message names it (without its password), says why and what to do.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Transport.CheckConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerException ex)
        {
            throw Worker.BrokerStartup.Unreachable(ex, retries: 0);
        }
    }

    /// <summary>Creates a worker that consumes this app's broker and runs its registered tasks.</summary>
    /// <param name="options">The worker's queues, concurrency and name; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="WorkerOptions.Concurrency"/> is below 1.</exception>
    public TaskWorker CreateWorker(WorkerOptions? options = null)
    {
        // Checked here as well as by the host's options validation: a worker made in code never passes through the host.
        options ??= new WorkerOptions();
        if (options.Concurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"WorkerOptions.Concurrency must be at least 1, not {options.Concurrency}.");
        }

        return new(
            new WorkerDependencies(Publisher, Router, Options, Tasks, LoggerFactory, Origin)
            {
                Services = Services,
                Filters = Filters,
                Results = _backends,

                // Remote control and events are built on the worker here, so the worker itself knows neither.
                AddOns = (state, taskEvents) =>
                {
                    var events = new Events.WorkerEvents(Transport, state, taskEvents, LoggerFactory.CreateLogger("TaskGen.Events"));
                    var control = new Control.RemoteControlServer(state, this, events, LoggerFactory.CreateLogger("TaskGen.Control"));
                    return new WorkerAddOns(events, [control, events]);
                },
            },
            options);
    }

    /// <summary>Stops receiving results and closes the transport.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _backends.DisposeAsync().ConfigureAwait(false);

        await Transport.DisposeAsync().ConfigureAwait(false);
        ClearDefault(this);
    }

    /// <summary>Stops <paramref name="app"/> being <see cref="Default"/>, unless another app has taken its place since.</summary>
    internal static void ClearDefault(TaskApp app)
    {
        Interlocked.CompareExchange(ref s_default, null, app);
        if (ReferenceEquals(s_scoped.Value, app))
        {
            s_scoped.Value = null;
        }
    }

    /// <summary>
    /// Makes <paramref name="app"/> (null: none) <see cref="Default"/> for the current execution context and what flows
    /// from it, ahead of the process-wide one; set from a synchronous method, so that the caller's context keeps it.
    /// </summary>
    internal static void SetScopedDefault(TaskApp? app) => s_scoped.Value = app;

    /// <summary>The app <see cref="SetScopedDefault"/> installed for the current execution context, if any.</summary>
    internal static TaskApp? ScopedDefault => s_scoped.Value;

    private (TaskEnvelope, QueueDeclaration, AsyncResult) Prepare(Signature signature)
    {
        bool ignoreResult = (signature.Options?.IgnoreResult ?? false) || _results is null;
        (TaskEnvelope envelope, QueueDeclaration queue) = CreateEnvelope(signature, ignoreResult);
        AsyncResult result = signature.CreateResult(envelope.Id, ignoreResult);
        result.Waits = _waits;
        result.Queue = queue.Broadcast ? null : queue.Name;
        if (!ignoreResult)
        {
            _results!.Register(result);
        }

        return (envelope, queue, result);
    }

    private (TaskEnvelope, QueueDeclaration) CreateEnvelope(Signature signature, bool ignoreResult) =>
        CreateEnvelope(signature, signature.Options, ignoreResult);

    /// <summary>Builds a call's message with <paramref name="options"/> in place of the signature's own (a schedule's tick adds its id and headers).</summary>
    private (TaskEnvelope, QueueDeclaration) CreateEnvelope(Signature signature, TaskOptions? options, bool ignoreResult)
    {
        TaskDescriptor task = signature.Task;
        QueueDeclaration queue = ResolveQueue(task, options);

        DateTimeOffset now = DateTimeOffset.UtcNow;
        options?.Validate(now);
        string id = options?.TaskId ?? Guid.NewGuid().ToString();
        DateTimeOffset? eta = options?.Eta ?? (options?.Countdown is { } countdown ? now + countdown : null);

        // On a quorum queue a task due a second or more from now waits in the broker's delay levels, as Celery 5.5
        // sends it, unless the call names its own exchange or routing key.
        (string exchange, string routingKey) = options is { } named && (named.Exchange is not null || named.RoutingKey is not null)
            ? (named.Exchange ?? (queue.Broadcast ? queue.Name : string.Empty), named.RoutingKey ?? (queue.Broadcast ? string.Empty : queue.Name))
            : DelayedDelivery.Address(queue.Name, queue.Broadcast, TaskQueueTopology.DelaysInBroker(Transport, queue, Options.TaskDefaultQueueType), eta, now);
        var envelope = new TaskEnvelope
        {
            Id = id,
            Name = task.Name,
            Arguments = signature.Arguments,
            Exchange = exchange,
            RoutingKey = routingKey,
            ReplyTo = ignoreResult ? null : _results!.ReplyQueue,
            Eta = eta,
            Expires = options?.Expires ?? (options?.ExpiresIn is { } expiresIn ? now + expiresIn : null),
            Priority = options?.Priority ?? 0,
            IgnoreResult = ignoreResult,
            Origin = Origin,
            ExtraHeaders = options?.MaxRetries is { } maxRetries
                ? new Dictionary<string, object?>(options.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { [Worker.TaskRetries.MaxRetriesHeader] = maxRetries }
                : options?.Headers,
            TimeLimit = (options?.TimeLimit, options?.SoftTimeLimit),
            Embed = signature.Callbacks.Count + signature.ErrorCallbacks.Count > 0
                ? SignatureWriter.Embed(FreezeCallbacks(signature.Callbacks), FreezeCallbacks(signature.ErrorCallbacks), [], null)
                : default,
        };
        return (envelope, queue);
    }

    /// <summary>The queue a call of <paramref name="task"/> goes to: the call's, the app's route, or the task's own.</summary>
    private QueueDeclaration ResolveQueue(TaskDescriptor task, TaskOptions? options)
    {
        string? elsewhere = options?.Queue ?? Router.Route(task.Name);
        QueueDeclaration queue;
        if (elsewhere is null && task.QueueDeclaration is { } own)
        {
            // The task's own queue, as its assembly declares it: known to the stub, so the registry is not asked.
            queue = own;
        }
        else
        {
            // Another queue by name: the declarations of the stub's assembly are learnt once, so that one of its
            // queues named in a call or a route is declared as the assembly says.
            if (task.DeclaredQueues.Count > 0 && _seenQueueLists.TryAdd(task.DeclaredQueues, true))
            {
                Tasks.AddQueues(task.DeclaredQueues);
            }

            queue = Router.ResolveQueue(elsewhere ?? (string.IsNullOrEmpty(task.Queue) ? Options.TaskDefaultQueue : task.Queue));
        }

        return queue;
    }

    private async Task PublishAsync(TaskEnvelope envelope, QueueDeclaration queue, CancellationToken cancellationToken)
    {
        if (_results is not null && envelope.ReplyTo is not null)
        {
            await _results.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        }

        await Router.EnsureDeclaredAsync(queue, cancellationToken).ConfigureAwait(false);
        await Publisher.PublishAsync(envelope, queue.Name, SendKind.Call, cancellationToken).ConfigureAwait(false);
        LogSent(_logger, envelope.Id, envelope.Name, queue.Name);
    }

    /// <summary>Publishes and, when that fails, stops waiting for the task's result before rethrowing.</summary>
    private async Task PublishOrForgetAsync(TaskEnvelope envelope, QueueDeclaration queue, CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(envelope, queue, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _results?.Unregister(envelope.Id);
            throw;
        }
    }

    private async Task PublishInBackgroundAsync(TaskEnvelope envelope, QueueDeclaration queue, IResultSink result)
    {
        // Back-pressure, decided so: Send (and Delay) return at once while fewer than
        // ProducerMaxPendingPublishes publishes are in flight; past that, the caller is held here, before the
        // first await and so synchronously, until one finishes. Queuing the publish instead would keep Delay
        // non-blocking but let a producer that outruns the broker grow its memory without bound, which is
        // the fault being fixed; callers that must never block use SendAsync/ApplyAsync and await each.
        SemaphoreSlim slots = PublishSlots;
        slots.Wait();
        try
        {
            await PublishAsync(envelope, queue, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessageNotRoutedException) when (result is BroadcastResult broadcast)
        {
            BroadcastReachedNobody(envelope, queue, broadcast);
        }
        catch (Exception ex)
        {
            StopWaiting(result);
            if (ex is BrokerException unreachable)
            {
                // An outage, not a bug: its message says all, so the line stays one line; the stack is for debug logging.
                LogSendFailedBecause(_logger, envelope.Id, envelope.Name, queue.Name, unreachable.Message);
                LogSendFailedDetail(_logger, ex, envelope.Id);
            }
            else
            {
                LogSendFailed(_logger, ex, envelope.Id, envelope.Name, queue.Name);
            }

            result.OnSendFailed(ex);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Stops waiting for the replies of a send that failed: a broadcast's collector, or a call's id.</summary>
    private void StopWaiting(IResultSink result)
    {
        if (result.CollectsReplies)
        {
            _results?.Release(result);
        }
        else
        {
            _results?.Unregister(result.Id);
        }
    }

    /// <summary>The in-flight budget of background publishes, sized by <see cref="TaskAppOptions.ProducerMaxPendingPublishes"/> on first use.</summary>
    private SemaphoreSlim PublishSlots =>
        Volatile.Read(ref _publishSlots) ?? LazyInitializer.EnsureInitialized(ref _publishSlots, () => new SemaphoreSlim(Options.ProducerMaxPendingPublishes));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent task {TaskId} ({TaskName}) to queue {Queue}.")]
    private static partial void LogSent(ILogger logger, string taskId, string taskName, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending task {TaskId} ({TaskName}) to queue {Queue} failed: {Reason}")]
    private static partial void LogSendFailedBecause(ILogger logger, string taskId, string taskName, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending task {TaskId} failed.")]
    private static partial void LogSendFailedDetail(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending task {TaskId} ({TaskName}) to queue {Queue} failed.")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string taskId, string taskName, string queue);
}
