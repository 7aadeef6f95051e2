using System;
using System.Collections.Generic;
using System.ComponentModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Results;
using TaskGen.Scheduling;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen;

/// <summary>
/// Collects an app's options, task modules, transport and logging before the app is built. The generated
/// <c>Add&lt;Assembly&gt;Tasks()</c> extensions add an assembly's tasks here.
/// </summary>
public sealed class TaskAppBuilder
{
    /// <summary>Starts from the default options.</summary>
    public TaskAppBuilder()
        : this(new TaskAppOptions())
    {
    }

    // The host builds on the options it has bound and validated, so that IOptions<TaskAppOptions> and the app agree.
    internal TaskAppBuilder(TaskAppOptions options) => Options = options;

    private readonly List<ITaskFilter> _filters = [];

    // Case-insensitive as URL schemes are; a package's registration replaces an earlier one for the same scheme.
    private readonly Dictionary<string, IResultBackendProvider> _resultBackends = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The options; change them in place.</summary>
    public TaskAppOptions Options { get; }

    /// <summary>The tasks and queues the app knows.</summary>
    internal TaskRegistry Tasks { get; } = new();

    /// <summary>The logger factory; no logging unless set.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// The container that tasks' <c>[FromServices]</c> parameters are resolved from, in a scope per task;
    /// <c>services.AddTaskGen</c> sets it to the host's.
    /// </summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>A transport to use instead of the one <see cref="TaskAppOptions.BrokerUrl"/> names, for tests.</summary>
    internal ITransport? Transport { get; set; }

    /// <summary>Watches every task message the app and its workers publish, beside telemetry; a test harness records sends with it.</summary>
    internal ISendObserver? SendObserver { get; set; }

    /// <summary>
    /// Adds the tasks and queues of a generated module, and the schedule entries its tasks declare with
    /// <see cref="PeriodicAttribute"/>; it exists for generated code (<c>Add&lt;Assembly&gt;Tasks()</c>).
    /// </summary>
    /// <param name="module">The module.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskAppBuilder AddTasks(TaskModule module)
    {
        Tasks.Add(module);

        // A module added twice (two Add...Tasks() calls) keeps one set of entries, as it keeps one set of tasks.
        if (_periodicModules.Add(module))
        {
            module.AddPeriodic(Schedule);
        }

        return this;
    }

    private readonly HashSet<TaskModule> _periodicModules = [];

    /// <summary>
    /// Adds a filter that every task run of the app's workers goes through; filters run in the order added, the
    /// first outermost. In a host, <c>services.AddTaskFilter&lt;T&gt;()</c> adds one from the container.
    /// </summary>
    /// <param name="filter">The filter; one instance serves every run, concurrently.</param>
    public TaskAppBuilder AddFilter(ITaskFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        _filters.Add(filter);
        return this;
    }

    /// <summary>Registers a result backend for a <c>ResultBackend</c> URL scheme; what a backend package's <c>Add...Results()</c> calls.</summary>
    internal TaskAppBuilder AddResultBackend(string scheme, IResultBackendProvider provider)
    {
        _resultBackends[scheme] = provider;
        return this;
    }

    /// <summary>The app's schedule entries; <see cref="AddSchedule"/> adds to it.</summary>
    internal ScheduleBuilder Schedule { get; } = new();

    /// <summary>
    /// Elections a package can hold for schedulers, by <see cref="SchedulerOptions.Election"/> name; the broker's and
    /// memory's are built in, <c>TaskGen.Redis</c> adds <c>redis</c>. Each is given the scheduler's clock, by which it
    /// counts its lease.
    /// </summary>
    internal Dictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>> BeatElections { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Adds periodic task entries, sent by a scheduler (<c>beat</c>, or <c>AddScheduler()</c> in a host); each entry's call is
    /// made with the task's generated <c>Signature(...)</c>, so its arguments are checked like any call.
    /// </summary>
    /// <param name="configure">Adds the entries.</param>
    public TaskAppBuilder AddSchedule(Action<ScheduleBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Schedule);
        return this;
    }

    /// <summary>Changes the options.</summary>
    /// <param name="configure">Changes the options in place.</param>
    public TaskAppBuilder Configure(Action<TaskAppOptions> configure)
    {
        configure(Options);
        return this;
    }

    /// <summary>Builds the app; the options are validated first.</summary>
    /// <exception cref="TaskAppConfigurationException">A setting is refused, or the result backend's package is not registered.</exception>
    public TaskApp Build()
    {
        Options.ValidateWithBackends(_resultBackends);
        ITransport transport = Transport ?? TransportFactory.Create(Options.BrokerUrl, LoggerFactory, Options.BrokerTlsCaCertificate);
        return new TaskApp(Options, transport, Tasks, LoggerFactory, _resultBackends, SendObserver) { Services = Services, Filters = [.. _filters], ScheduleEntries = [.. Schedule.Entries], BeatElections = new Dictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>>(BeatElections, StringComparer.OrdinalIgnoreCase) };
    }
}
