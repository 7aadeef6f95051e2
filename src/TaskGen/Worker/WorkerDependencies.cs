using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Everything a worker takes from the program that hosts it, so that the worker knows no app type: the
/// broker, the settings, the tasks, the router that places a queue name and sends a follow-up, and what is built on it.
/// </summary>
internal sealed record WorkerDependencies(
    TaskPublisher Publisher,
    TaskRouter Router,
    TaskAppOptions Options,
    TaskRegistry Tasks,
    ILoggerFactory LoggerFactory,
    string Origin)
{
    /// <summary>The broker the worker consumes from, the one its publisher sends to.</summary>
    public ITransport Transport => Publisher.Transport;

    /// <summary>Builds what runs beside the worker once it consumes (remote control, events).</summary>
    public Func<IWorkerState, bool, WorkerAddOns>? AddOns { get; init; }

    /// <summary>The container that <c>[FromServices]</c> task parameters are resolved from, a scope per task; null outside a host.</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>The filters every run goes through, the first outermost.</summary>
    public IReadOnlyList<ITaskFilter> Filters { get; init; } = [];

    /// <summary>The app's result backend, whose store half the worker answers into.</summary>
    public required Results.ResultBackends Results { get; init; }
}

/// <summary>What is built on a started worker: an observer of its tasks and services that start and stop with it.</summary>
/// <param name="Observer">Hears every task's progress, or null.</param>
/// <param name="Services">Started after the worker consumes, disposed when it stops.</param>
internal sealed record WorkerAddOns(ITaskObserver? Observer, IReadOnlyList<IWorkerService> Services);

/// <summary>A service that runs beside a worker, such as its remote-control mailbox or its heartbeat.</summary>
internal interface IWorkerService : IAsyncDisposable
{
    Task StartAsync(CancellationToken cancellationToken);
}
