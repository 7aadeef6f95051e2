using System;
using System.Collections.Generic;
using System.Linq;

namespace TaskGen;

/// <summary>
/// An app's configuration, with Celery's setting names in .NET casing (<c>broker_url</c> is
/// <see cref="BrokerUrl"/>). Bound from the <c>TaskGen</c> configuration section by the host.
/// </summary>
public sealed class TaskAppOptions
{
    /// <summary>The configuration section options bind from.</summary>
    public const string SectionName = "TaskGen";

    /// <summary>The broker: <c>amqp://user:password@host:port/vhost</c>, or <c>memory://</c> for one process.</summary>
    public string BrokerUrl { get; set; } = "memory://";

    /// <summary>
    /// For an <c>amqps://</c> broker, a PEM file of the CA certificates that issue the broker's certificate,
    /// trusted instead of the system's roots (Celery's <c>broker_use_ssl['ca_certs']</c>). The host name is verified either way.
    /// </summary>
    public string? BrokerTlsCaCertificate { get; set; }

    /// <summary>
    /// Whether a worker that cannot reach the broker when it starts keeps trying, with a log line per attempt, rather than
    /// failing at once (Celery's <c>broker_connection_retry_on_startup</c>, on by default): a container that starts before
    /// RabbitMQ then waits for it instead of crash-looping.
    /// </summary>
    public bool BrokerConnectionRetryOnStartup { get; set; } = true;

    /// <summary>
    /// How many times a starting worker tries the broker again before it gives up and exits 69 (Celery's
    /// <c>broker_connection_max_retries</c>, 100 as there; 0 tries for ever, as Celery's 0 does). With the default
    /// back-off that is about 50 minutes of waiting.
    /// </summary>
    public int BrokerConnectionMaxRetries { get; set; } = 100;

    /// <summary>The wait before a starting worker's first retry of the broker; each later wait doubles, up to <see cref="BrokerConnectionRetryMaxDelay"/>.</summary>
    public TimeSpan BrokerConnectionRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between a starting worker's retries of the broker (kombu's <c>interval_max</c>, 30 seconds).</summary>
    public TimeSpan BrokerConnectionRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where results go: <c>rpc://</c> (a reply queue per client), <c>redis://[:password@]host:port/db</c> (stored by
    /// task id, readable from any process; <c>rediss://</c> over TLS), <c>sentinel://[:password@]host:port/db;sentinel://...</c>
    /// (the same, on the primary that Redis Sentinel names, with <see cref="ResultBackendMasterName"/>), or <c>none</c>.
    /// The Redis forms need the TaskGen.Redis package and its <c>AddRedisResults()</c>.
    /// </summary>
    public string ResultBackend { get; set; } = "rpc://";

    /// <summary>
    /// The name the sentinels of a <c>sentinel://</c> <see cref="ResultBackend"/> monitor the primary under
    /// (Celery's <c>result_backend_transport_options['master_name']</c>); required with Sentinel, unused otherwise.
    /// </summary>
    public string? ResultBackendMasterName { get; set; }

    /// <summary>
    /// Whether the Redis result backend speaks TLS (Celery's <c>redis_backend_use_ssl</c>): required to speak TLS to the
    /// sentinels of a <c>sentinel://</c> <see cref="ResultBackend"/> and to the primary they name; implied by <c>rediss://</c>.
    /// </summary>
    public bool ResultBackendUseTls { get; set; }

    /// <summary>
    /// For a Redis result backend over TLS, a PEM file of the CA certificates that issue the Redis servers' (and sentinels')
    /// certificates, trusted instead of the system's roots (Celery's <c>redis_backend_use_ssl['ssl_ca_certs']</c>). The host name is verified either way.
    /// </summary>
    public string? ResultBackendTlsCaCertificate { get; set; }

    /// <summary>The task body serializer; only <c>json</c> is supported.</summary>
    public string TaskSerializer { get; set; } = "json";

    /// <summary>The result body serializer; only <c>json</c> is supported.</summary>
    public string ResultSerializer { get; set; } = "json";

    /// <summary>The content types a worker accepts; only <c>json</c> (or <c>application/json</c>) is allowed.</summary>
    public IList<string> AcceptContent { get; set; } = ["json"];

    /// <summary>How long an unread result is kept before it is dropped.</summary>
    public TimeSpan ResultExpires { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The time zone dates are written in; only UTC is supported.</summary>
    public string Timezone { get; set; } = "UTC";

    /// <summary>How many messages a worker holds per concurrency slot (prefetch = concurrency × this).</summary>
    public int WorkerPrefetchMultiplier { get; set; } = 4;

    /// <summary>
    /// How many finished tasks a worker acknowledges with one <c>basic.ack multiple</c> (at most half the prefetch):
    /// fewer broker operations per task, at the price of up to this many finished tasks, plus those of the last 10 ms,
    /// being delivered again if the worker's connection is lost. 1 acknowledges each task on its own, as Celery does.
    /// </summary>
    public int WorkerAckBatchSize { get; set; } = 8;

    /// <summary>
    /// How many tasks waiting for their ETA a worker holds in memory while still taking further messages
    /// (Celery's <c>worker_eta_task_limit</c>); past it, held tasks keep their prefetch slots, bounding memory.
    /// </summary>
    public int WorkerEtaTaskLimit { get; set; } = 10_000;

    /// <summary>
    /// The longest a worker holds a message it has not started (waiting for its ETA, its rate limit or a slot): past it,
    /// an identical copy goes back to the queue and the original is acknowledged. Keep it below the broker's
    /// <c>consumer_timeout</c> (30 minutes by default), which otherwise closes the channel and redelivers its running tasks.
    /// </summary>
    public TimeSpan WorkerMaxHoldTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Acknowledge a task after it has run (at-least-once) rather than before (at-most-once).</summary>
    public bool TaskAcksLate { get; set; } = true;

    /// <summary>
    /// With <see cref="TaskAcksLate"/>, whether a task that failed or ran out of time is acknowledged (true, Celery's
    /// default: its FAILURE result is the end of it) or rejected without requeue, so that a broker dead-letter policy
    /// keeps the message for <c>deadletters replay</c>. The caller gets the FAILURE result either way.
    /// </summary>
    public bool TaskAcksOnFailureOrTimeout { get; set; } = true;

    /// <summary>
    /// With <see cref="TaskAcksLate"/>, what happens to a task that the worker cut off while stopping (its shutdown
    /// grace ran out and the task gave up on its cancellation token): false (Celery's default) acknowledges it and
    /// fails it with <c>WorkerLostError</c>, so it never runs twice; true rejects it with requeue, so another worker
    /// runs it again. A worker process killed outright is always redelivered by the broker, whatever this says.
    /// Without <see cref="TaskAcksLate"/> the message is gone once the task starts, so this is ignored (the worker
    /// says so at start) and the task fails with <c>WorkerLostError</c>, as Celery does.
    /// </summary>
    public bool TaskRejectOnWorkerLost { get; set; }

    /// <summary>
    /// The queue (and the fanout exchange of the same name) that collects what workers reject, which workers
    /// declare at start and the <c>deadletters</c> command reads; empty declares none. Messages reach it only
    /// through a broker policy that names the exchange as the task queues' <c>dead-letter-exchange</c>, since
    /// queues that Python Celery also declares must carry no arguments.
    /// </summary>
    public string DeadLetterQueue { get; set; } = "taskgen.dead";

    /// <summary>The queue of tasks that declare none.</summary>
    public string TaskDefaultQueue { get; set; } = "celery";

    /// <summary>
    /// The RabbitMQ type of task queues that declare none (Celery's <c>task_default_queue_type</c>): <see cref="QueueType.Classic"/>
    /// (the default) or <see cref="QueueType.Quorum"/>, the replicated type a cluster needs. Python Celery declaring the same queue
    /// must use the same type, or the broker refuses the second declaration.
    /// </summary>
    public QueueType TaskDefaultQueueType { get; set; } = QueueType.Classic;

    /// <summary>Routes by task name or glob (<c>tasks.*</c>) to a queue, consulted before a task's declared queue.</summary>
    public IDictionary<string, string> TaskRoutes { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// When false (the default) sending to a queue no assembly declared is an error; when true the queue
    /// is created on first use.
    /// </summary>
    public bool TaskCreateMissingQueues { get; set; }

    /// <summary>
    /// Whether every task message this app and its workers publish (calls, canvas members, follow-ups, retries) is
    /// followed by a <c>task-sent</c> event on the <c>celeryev</c> exchange, as Celery's <c>task_send_sent_event</c>
    /// (off by default, as there): monitors such as Flower then see tasks from the moment they are sent.
    /// </summary>
    public bool TaskSendSentEvent { get; set; }

    /// <summary>How long a stopping worker lets running tasks finish before cancelling them.</summary>
    public TimeSpan WorkerShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a worker keeps trying to store the outcome of a task that ran when the result backend is down, holding
    /// its message unacknowledged meanwhile; past it the message goes to <see cref="DeadLetterQueue"/> with its outcome
    /// in the <c>x-taskgen-result</c> header. The task is not run again either way.
    /// </summary>
    public TimeSpan WorkerResultStoreRetryTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest task body a worker accepts, in bytes.</summary>
    public int WorkerMaxBodySize { get; set; } = Protocol.TaskMessageCodec.DefaultMaxBodySize;

    /// <summary>
    /// The largest result body a worker sends (16 MiB, RabbitMQ 4's <c>max_message_size</c>); a larger result
    /// fails its caller with <c>ResultNotSent</c> instead of being sent, since the broker would close the
    /// results channel on it. Keep it at or below the broker's limit.
    /// </summary>
    public int WorkerMaxResultSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Whether a worker waits for the broker's confirmation of each <c>rpc://</c> result before acknowledging its task
    /// (on by default). Off sends results unconfirmed, as Celery does: a worker killed just after acknowledging a task can
    /// then lose its result, since acknowledgements travel on a connection of their own and may reach the broker first.
    /// </summary>
    public bool WorkerConfirmResults { get; set; } = true;

    /// <summary>
    /// How many publishes <see cref="TaskApp.Send(Signature)"/> (and a stub's <c>Delay</c>) may have in flight
    /// before the next call waits for one to finish: the producer's back-pressure when it outruns the broker.
    /// </summary>
    public int ProducerMaxPendingPublishes { get; set; } = 10_000;

    /// <summary>The longest duration a setting that the runtime waits on can have (about 49.7 days, the most a .NET timer waits).</summary>
    public static TimeSpan MaxWaitDuration => Protocol.TaskMessageCodec.MaxTimeLimit;

    /// <summary>
    /// Checks the settings that cannot work, with a message that says why; every refused setting is named at once.
    /// </summary>
    /// <remarks>
    /// Which result backends exist depends on the packages an app registers, so a <see cref="ResultBackend"/> of a
    /// TaskGen package (<c>redis://</c>) is checked further when <see cref="TaskAppBuilder.Build"/> knows them.
    /// </remarks>
    /// <exception cref="TaskAppConfigurationException">A setting is refused; with several, the message lists each on a line of its own.</exception>
    public void Validate() => ValidateWithBackends(null);

    /// <summary>Checks the settings as <see cref="Validate"/> does, and the result backend against the registered ones.</summary>
    /// <param name="resultBackends">The backends the app's builder registered, by scheme; null where they are not known yet (the host's options check).</param>
    internal void ValidateWithBackends(IReadOnlyDictionary<string, Results.IResultBackendProvider>? resultBackends)
    {
        // Every refused setting is collected, so that one start names them all instead of one per attempt.
        var errors = new List<string>();
        RequireJson(errors, nameof(TaskSerializer), TaskSerializer);
        RequireJson(errors, nameof(ResultSerializer), ResultSerializer);
        foreach (string accepted in AcceptContent)
        {
            RequireJson(errors, nameof(AcceptContent), accepted);
        }

        if (!string.Equals(Timezone, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Timezone '{Timezone}' is not supported: TaskGen writes every date in UTC.");
        }

        ValidateResultBackend(errors, resultBackends);
        ValidateResultBackendTls(errors);

        if (WorkerPrefetchMultiplier < 1)
        {
            errors.Add($"WorkerPrefetchMultiplier must be at least 1, not {WorkerPrefetchMultiplier}.");
        }

        if (WorkerAckBatchSize < 1)
        {
            errors.Add($"WorkerAckBatchSize must be at least 1 (1 acknowledges each task on its own), not {WorkerAckBatchSize}.");
        }

        if (WorkerMaxResultSize < 1)
        {
            errors.Add($"WorkerMaxResultSize must be at least 1, not {WorkerMaxResultSize}.");
        }

        if (WorkerEtaTaskLimit < 0)
        {
            errors.Add($"WorkerEtaTaskLimit must be 0 or more, not {WorkerEtaTaskLimit}.");
        }

        if (WorkerMaxHoldTime <= TimeSpan.Zero || WorkerMaxHoldTime > MaxWaitDuration)
        {
            errors.Add(
                $"WorkerMaxHoldTime {WorkerMaxHoldTime} is out of range: it must be above 0 and at most {MaxWaitDuration}, and below the broker's consumer_timeout (30 minutes by default).");
        }

        if (BrokerConnectionMaxRetries < 0)
        {
            errors.Add($"BrokerConnectionMaxRetries must be 0 (retry for ever) or more, not {BrokerConnectionMaxRetries}.");
        }

        if (BrokerConnectionRetryDelay <= TimeSpan.Zero || BrokerConnectionRetryDelay > MaxWaitDuration)
        {
            errors.Add($"BrokerConnectionRetryDelay {BrokerConnectionRetryDelay} is out of range: it must be above 0 and at most {MaxWaitDuration}.");
        }

        if (BrokerConnectionRetryMaxDelay < BrokerConnectionRetryDelay || BrokerConnectionRetryMaxDelay > MaxWaitDuration)
        {
            errors.Add($"BrokerConnectionRetryMaxDelay {BrokerConnectionRetryMaxDelay} is out of range: it must be at least BrokerConnectionRetryDelay ({BrokerConnectionRetryDelay}) and at most {MaxWaitDuration}.");
        }

        if (ProducerMaxPendingPublishes < 1)
        {
            errors.Add($"ProducerMaxPendingPublishes must be at least 1, not {ProducerMaxPendingPublishes}.");
        }

        // A stopping worker waits this long on a timer, and no .NET timer waits longer than MaxWaitDuration:
        // refused here rather than thrown by the timer when the worker is already shutting down.
        if (WorkerShutdownTimeout < TimeSpan.Zero || WorkerShutdownTimeout > MaxWaitDuration)
        {
            errors.Add(
                $"WorkerShutdownTimeout {WorkerShutdownTimeout} is out of range: it must be between 0 and {MaxWaitDuration} ({MaxWaitDuration.TotalSeconds:0.###} s), the most a .NET timer can wait.");
        }

        if (WorkerResultStoreRetryTime < TimeSpan.Zero || WorkerResultStoreRetryTime > MaxWaitDuration)
        {
            errors.Add(
                $"WorkerResultStoreRetryTime {WorkerResultStoreRetryTime} is out of range: it must be between 0 (dead-letter at once) and {MaxWaitDuration} ({MaxWaitDuration.TotalSeconds:0.###} s), the most a .NET timer can wait.");
        }

        // RabbitMQ refuses an x-expires of zero on the reply queue, and a negative age would drop every result at once.
        if (ResultExpires <= TimeSpan.Zero)
        {
            errors.Add($"ResultExpires must be above zero, not {ResultExpires}.");
        }

        if (TaskDefaultQueueType is not (QueueType.Classic or QueueType.Quorum))
        {
            // QueueType.Default means "the app's default" on one queue: as the app's default it would name itself.
            string why = TaskDefaultQueueType == QueueType.Default ? " QueueType.Default only lets one queue follow this setting;" : string.Empty;
            errors.Add($"TaskDefaultQueueType '{TaskDefaultQueueType}' is refused:{why} use QueueType.Classic or QueueType.Quorum ('classic' or 'quorum' in configuration), as Celery's task_default_queue_type.");
        }

        if (errors.Count == 1)
        {
            throw new TaskAppConfigurationException(errors[0]);
        }

        if (errors.Count > 1)
        {
            throw new TaskAppConfigurationException($"{errors.Count} settings are refused:{string.Concat(errors.Select(error => Environment.NewLine + "- " + error))}");
        }
    }

    private void ValidateResultBackend(List<string> errors, IReadOnlyDictionary<string, Results.IResultBackendProvider>? registered)
    {
        if (ResultBackend is "rpc://" or "none" or "")
        {
            return;
        }

        string shown = Transport.BrokerUrls.Redact(ResultBackend);
        string? scheme = Results.ResultBackends.Scheme(ResultBackend);
        bool redis = Results.ResultBackends.IsRedis(ResultBackend);
        if (redis && scheme!.Equals("sentinel", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(ResultBackendMasterName))
        {
            errors.Add($"ResultBackend '{shown}' names Redis sentinels, which need the name they monitor the primary under: set ResultBackendMasterName (Celery's master_name).");
        }

        if (scheme is not null && registered is not null && registered.TryGetValue(scheme, out Results.IResultBackendProvider? provider))
        {
            provider.Validate(this, errors);
        }
        else if (redis && registered is not null)
        {
            errors.Add($"ResultBackend '{shown}' needs the TaskGen.Redis package: add it and call AddRedisResults() on the app's builder (services.AddTaskGen(...).AddRedisResults() in a host).");
        }
        else if (!redis)
        {
            errors.Add($"ResultBackend '{shown}' is not supported: use 'rpc://', 'none', or 'redis://host:port/db' or 'sentinel://host:port/db;sentinel://...' with the TaskGen.Redis package.");
        }
    }

    // A TLS setting that cannot apply means someone believes results travel encrypted; say that they do not.
    private void ValidateResultBackendTls(List<string> errors)
    {
        bool caSet = !string.IsNullOrWhiteSpace(ResultBackendTlsCaCertificate);
        string shown = Transport.BrokerUrls.Redact(ResultBackend);
        if (!Results.ResultBackends.IsRedis(ResultBackend))
        {
            string notRedis = $" is set but ResultBackend '{shown}' is not Redis: it applies to a redis://, rediss:// or sentinel:// result backend only " +
                "(results over rpc:// travel on the broker's connection, which an amqps:// BrokerUrl encrypts); remove the setting.";
            if (ResultBackendUseTls)
            {
                errors.Add(nameof(ResultBackendUseTls) + notRedis);
            }

            if (caSet)
            {
                errors.Add(nameof(ResultBackendTlsCaCertificate) + notRedis);
            }
        }
        else if (caSet && !ResultBackendUseTls && !ResultBackend.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(
                $"ResultBackendTlsCaCertificate is set but ResultBackend '{shown}' does not use TLS: set ResultBackendUseTls (Celery's redis_backend_use_ssl) or use a rediss:// URL, or remove the setting.");
        }
    }

    private static void RequireJson(List<string> errors, string setting, string value)
    {
        if (!string.Equals(value, "json", StringComparison.OrdinalIgnoreCase) && !string.Equals(value, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            string why = value.Contains("pickle", StringComparison.OrdinalIgnoreCase)
                ? " pickle runs code chosen by whoever can publish to the broker."
                : " TaskGen's contracts are generated for JSON only.";
            errors.Add($"{setting} '{value}' is refused: only json is supported;{why}");
        }
    }
}

/// <summary>Raised at startup when the configuration asks for something TaskGen will not do.</summary>
public sealed class TaskAppConfigurationException : TaskGenException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public TaskAppConfigurationException(string message)
        : base(message)
    {
    }
}
