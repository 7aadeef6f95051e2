using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Scheduling;
using TaskGen.Transport;

namespace TaskGen;

public sealed partial class TaskApp
{
    /// <summary>The entries <c>AddSchedule</c> added.</summary>
    internal IReadOnlyList<ScheduleEntry> ScheduleEntries { get; init; } = [];

    /// <summary>The elections packages registered, by name.</summary>
    internal IReadOnlyDictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>> BeatElections { get; init; } = new Dictionary<string, Func<TaskApp, SchedulerOptions, TimeProvider, IBeatElection>>();

    /// <summary>
    /// Creates a scheduler for the app's schedule entries; run it with <see cref="Beat.RunAsync"/>. Any number of
    /// processes may run one: they elect one sender among them.
    /// </summary>
    /// <param name="options">The election and state settings; null for the defaults.</param>
    /// <param name="timeProvider">The clock; null for the system's. Tests pass a fake one.</param>
    /// <exception cref="TaskAppConfigurationException">The election named in <paramref name="options"/> cannot be held on this app.</exception>
    public Beat CreateBeat(SchedulerOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new SchedulerOptions();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        (IBeatElection election, IBeatState state) = BeatStores.Create(this, options, time);
        return new Beat(this, ScheduleEntries, options, election, state, time, BeatStores.NodeName());
    }

    /// <summary>Why <paramref name="entry"/> cannot be sent by a scheduler, or null when it can.</summary>
    /// <remarks>
    /// A broadcast queue is refused: its fanout exchange cannot carry the <c>BCC</c> that records the tick in the
    /// same publish, and every worker would run each tick.
    /// </remarks>
    internal string? ScheduleEntryProblem(ScheduleEntry entry)
    {
        QueueDeclaration queue;
        try
        {
            queue = ResolveQueue(entry.Signature.Task, TickOptions(entry, default, new Dictionary<string, object?>()));
        }
        catch (TaskRoutingException ex)
        {
            return $"Schedule entry '{entry.Name}' cannot be sent: {ex.Message}";
        }

        return queue.Broadcast
            ? $"Schedule entry '{entry.Name}' sends task '{entry.Signature.Task.Name}' to broadcast queue '{queue.Name}'; a broadcast task cannot be a schedule entry, since every worker would run each run and its publish cannot record the run. Schedule a task on an ordinary queue (set ScheduleEntryOptions.Queue) instead."
            : null;
    }

    /// <summary>
    /// Declares the queue of each entry's runs, bypassing the once-per-app cache, unless the entry's call names its own
    /// exchange or routing key (then its route is the user's to keep).
    /// </summary>
    internal async Task DeclareTickQueuesAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken cancellationToken)
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (ScheduleEntry entry in entries)
        {
            if (entry.Signature.Options is { Exchange: not null } or { RoutingKey: not null })
            {
                continue;
            }

            QueueDeclaration queue = ResolveQueue(entry.Signature.Task, TickOptions(entry, default, new Dictionary<string, object?>()));
            if (declared.Add(queue.Name))
            {
                await TaskQueueTopology.DeclareAsync(Transport, queue, Options.TaskDefaultQueueType, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends one run of a schedule entry through the one outgoing path, as a call (so task-sent events and telemetry
    /// see it), with the run's derived task id and <c>taskgen_tick</c> header plus what <paramref name="state"/> adds to
    /// record it. Nobody waits for its result here, so no reply queue is named; a backend that stores results by id
    /// still keeps it.
    /// </summary>
    /// <param name="entry">The entry.</param>
    /// <param name="tick">The run time.</param>
    /// <param name="state">The scheduler's state store, which may add headers that record the run.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The run's task id.</returns>
    internal async Task<string> SendTickAsync(ScheduleEntry entry, DateTimeOffset tick, IBeatState state, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, object?>(entry.Signature.Options?.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
        {
            [BeatTicks.Header] = BeatTicks.HeaderValue(entry.Name, tick),
        };
        state.PrepareTick(entry, tick, headers);
        TaskOptions options = TickOptions(entry, tick, headers);
        bool ignoreResult = options.IgnoreResult || _results is null;
        (TaskEnvelope envelope, QueueDeclaration queue) = CreateEnvelope(entry.Signature, options, ignoreResult);
        envelope = envelope with { ReplyTo = null };
        await PublishAsync(envelope, queue, cancellationToken).ConfigureAwait(false);
        return envelope.Id;
    }

    /// <summary>The signature's options with the entry's queue, priority and expiry, and the run's id and headers.</summary>
    private static TaskOptions TickOptions(ScheduleEntry entry, DateTimeOffset tick, IDictionary<string, object?> headers)
    {
        TaskOptions? own = entry.Signature.Options;
        ScheduleEntryOptions scheduled = entry.Options;
        return new TaskOptions
        {
            Queue = scheduled.Queue ?? own?.Queue,
            RoutingKey = own?.RoutingKey,
            Exchange = own?.Exchange,

            // A run goes out at its time: a countdown or ETA would send it through the delay exchanges, where its
            // BCC record could not follow, and an absolute ETA would hold every run to one instant.
            Countdown = null,
            Eta = null,

            // The expiry counts from the run time, not from the send, so a run sent late is not given longer.
            Expires = scheduled.Expires is { } expires ? tick + expires : own?.Expires,
            ExpiresIn = scheduled.Expires is null ? own?.ExpiresIn : null,
            Priority = scheduled.Priority ?? own?.Priority,
            TaskId = BeatTicks.TaskId(entry.Name, tick),
            SoftTimeLimit = own?.SoftTimeLimit,
            TimeLimit = own?.TimeLimit,
            IgnoreResult = own?.IgnoreResult ?? false,
            MaxRetries = own?.MaxRetries,
            Headers = headers,
        };
    }
}
