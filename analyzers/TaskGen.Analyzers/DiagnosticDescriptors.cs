using Microsoft.CodeAnalysis;

namespace TaskGen.Analyzers;

/// <summary>
/// Every TaskGen diagnostic, in one place so that IDs stay stable and are never reused. IDs are
/// <c>TG</c> and four digits: 0001-0099 task shape, 0100-0199 serialization, 0200-0299 queues and
/// routing, 0300-0399 options, 0400-0499 canvas (chains, groups, chords and callbacks), 0500-0599 periodic tasks,
/// 0600-0699 task contracts and their implementations.
/// </summary>
internal static class DiagnosticDescriptors
{
    internal const string HelpLinkBase = "https://github.com/taskgen/taskgen/blob/main/docs/diagnostics/";

    private const string Tasks = "TaskGen.Tasks";
    private const string Serialization = "TaskGen.Serialization";
    private const string Queues = "TaskGen.Queues";
    private const string Options = "TaskGen.Options";
    private const string Canvas = "TaskGen.Canvas";
    private const string Schedules = "TaskGen.Schedules";
    private const string Contracts = "TaskGen.Contracts";

    // Task shape: the generator skips every one of these silently, so each is an error.

    internal static readonly DiagnosticDescriptor TaskMustBeStatic = Create(
        "TG0001", Tasks, DiagnosticSeverity.Error,
        "Task method must be static",
        "Task '{0}' is an instance method: make it static, since a worker calls tasks without an instance");

    internal static readonly DiagnosticDescriptor TaskMustNotBeGeneric = Create(
        "TG0002", Tasks, DiagnosticSeverity.Error,
        "Task method must not be generic",
        "Task '{0}' {1}: a message names no type arguments, so move the task to a non-generic method of a non-generic type");

    internal static readonly DiagnosticDescriptor ParameterMustBeByValue = Create(
        "TG0003", Tasks, DiagnosticSeverity.Error,
        "Task parameter must be passed by value",
        "Parameter '{0}' of task '{1}' is declared '{2}': remove the modifier, since a remote call cannot pass a reference back");

    internal static readonly DiagnosticDescriptor TaskMustNotReturnByRef = Create(
        "TG0004", Tasks, DiagnosticSeverity.Error,
        "Task method must not return by reference",
        "Task '{0}' returns by reference: return the value itself, since a result travels as a copy");

    internal static readonly DiagnosticDescriptor TaskMustBeReachable = Create(
        "TG0005", Tasks, DiagnosticSeverity.Error,
        "Task method must be reachable from generated code",
        "Task '{0}' cannot be called by the generated dispatch code because {1}: make it public or internal");

    internal static readonly DiagnosticDescriptor TaskMustBeInClassOrStruct = Create(
        "TG0006", Tasks, DiagnosticSeverity.Error,
        "Task method must be declared in a class or struct",
        "Task '{0}' is declared in {1} '{2}': move it to a class or struct");

    internal static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "TG0007", Tasks, DiagnosticSeverity.Error,
        "Unsupported task return type",
        "Task '{0}' returns '{1}': return void, a value, Task, Task<T>, ValueTask or ValueTask<T>");

    internal static readonly DiagnosticDescriptor DuplicateTaskName = Create(
        "TG0008", Tasks, DiagnosticSeverity.Error,
        "Duplicate task name",
        "Task name '{0}' is also used by {1}: give one of them another name with [Task(Name = \"...\")]",
        WellKnownDiagnosticTags.CompilationEnd);

    internal static readonly DiagnosticDescriptor EmptyTaskName = Create(
        "TG0009", Tasks, DiagnosticSeverity.Error,
        "Task name is empty",
        "The name of task '{0}' is empty or whitespace: give a name, or remove Name to use '{1}'");

    internal static readonly DiagnosticDescriptor InjectedParameterTwice = Create(
        "TG0010", Tasks, DiagnosticSeverity.Error,
        "Worker-supplied parameter declared twice",
        "Task '{0}' declares a second {1} parameter '{2}': the worker supplies one, so remove this one");

    internal static readonly DiagnosticDescriptor OverloadedTask = Create(
        "TG0011", Tasks, DiagnosticSeverity.Error,
        "Task methods must not be overloaded",
        "'{0}' has more than one [Task] method named '{1}', and each task gets a stub class of that name: rename one of them");

    internal static readonly DiagnosticDescriptor UnresolvableService = Create(
        "TG0012", Tasks, DiagnosticSeverity.Error,
        "Service parameter cannot be resolved",
        "[FromServices] parameter '{0}' of task '{1}' cannot be resolved from the host's services: {2}");

    // Serialization: a parameter or result the wire cannot carry. The generator skips the task.

    internal static readonly DiagnosticDescriptor DelegateAsData = Create(
        "TG0101", Serialization, DiagnosticSeverity.Error,
        "Delegate or expression tree in task data",
        "{0} '{1}', a delegate or expression tree, which cannot be sent: send the data the code needs and choose the behaviour on the worker");

    internal static readonly DiagnosticDescriptor NativeAsData = Create(
        "TG0102", Serialization, DiagnosticSeverity.Error,
        "Pointer, ref struct or native handle in task data",
        "{0} '{1}', {2}, which means nothing in another process: send an array or the values themselves");

    internal static readonly DiagnosticDescriptor DisposableAsData = Create(
        "TG0103", Serialization, DiagnosticSeverity.Error,
        "Disposable handle in task data",
        "{0} '{1}', a disposable handle, which cannot be sent: send what identifies the resource (a path, a URL, a key) and open it on the worker");

    internal static readonly DiagnosticDescriptor AsyncPrimitiveAsData = Create(
        "TG0104", Serialization, DiagnosticSeverity.Error,
        "Task, CancellationToken or TaskContext used as data",
        "{0} '{1}', which cannot be sent: {2}");

    internal static readonly DiagnosticDescriptor UntypedData = Create(
        "TG0105", Serialization, DiagnosticSeverity.Error,
        "object or dynamic in task data",
        "{0} '{1}', which names no type for the worker to read: use a concrete type");

    internal static readonly DiagnosticDescriptor PolymorphicData = Create(
        "TG0106", Serialization, DiagnosticSeverity.Error,
        "Interface or abstract class in task data",
        "{0} '{1}', {2}, and no type names go on the wire: use a concrete record, class or collection type");

    internal static readonly DiagnosticDescriptor OpenGenericData = Create(
        "TG0107", Serialization, DiagnosticSeverity.Error,
        "Open generic type in task data",
        "{0} '{1}', a type parameter, which a worker cannot resolve: use a concrete type");

    internal static readonly DiagnosticDescriptor TypeNotInJsonContext = Create(
        "TG0108", Serialization, DiagnosticSeverity.Error,
        "Type missing from the JSON context",
        "{0} '{1}', which the JSON context '{2}' does not cover: add [JsonSerializable(typeof({1}))] to '{2}'");

    internal static readonly DiagnosticDescriptor NoJsonContext = Create(
        "TG0109", Serialization, DiagnosticSeverity.Error,
        "No JSON context declared",
        "{0} '{1}', a record or class, and this assembly names no JSON context: declare a JsonSerializerContext with [JsonSerializable(typeof({1}))] and name it with [assembly: TaskJsonContext(typeof(...))]");

    internal static readonly DiagnosticDescriptor NonStringDictionaryKey = Create(
        "TG0110", Serialization, DiagnosticSeverity.Error,
        "Dictionary key is not a string",
        "{0} '{1}', whose keys are '{2}': JSON object keys are strings, so use a string-keyed dictionary or a list of records");

    internal static readonly DiagnosticDescriptor UnsupportedWireType = Create(
        "TG0111", Serialization, DiagnosticSeverity.Error,
        "Type not supported on the wire",
        "{0} '{1}', which TaskGen cannot write: use a primitive, an enum, an array, a List<T>, a string-keyed Dictionary<string, T> or a record");

    // Queues and routing.

    internal static readonly DiagnosticDescriptor TaskQueueUndeclared = Create(
        "TG0201", Queues, DiagnosticSeverity.Error,
        "Task routed to an undeclared queue",
        "Task '{0}' is routed to queue '{1}', which no assembly declares: add [assembly: TaskQueue(\"{1}\")]");

    internal static readonly DiagnosticDescriptor CallQueueUndeclared = Create(
        "TG0202", Queues, DiagnosticSeverity.Error,
        "Call routed to an undeclared queue",
        "Queue '{0}' is not declared, so the app refuses this call: add [assembly: TaskQueue(\"{0}\")] or route to a declared queue");

    internal static readonly DiagnosticDescriptor RoutingKeyUndeclared = Create(
        "TG0203", Queues, DiagnosticSeverity.Warning,
        "Routing key names no declared queue",
        "Routing key '{0}' on the default exchange reaches only a queue named '{0}', which no assembly declares: declare it with [assembly: TaskQueue(\"{0}\")] or set Queue instead");

    internal static readonly DiagnosticDescriptor QueueKindConflict = Create(
        "TG0204", Queues, DiagnosticSeverity.Error,
        "Queue declared with two kinds",
        "Queue '{0}' is declared {1} here and {2} {3}: declare it with one kind everywhere");

    internal static readonly DiagnosticDescriptor InvalidQueueName = Create(
        "TG0205", Queues, DiagnosticSeverity.Error,
        "Invalid queue name",
        "'{0}' is not a usable queue name: {1}");

    internal static readonly DiagnosticDescriptor SingleResultFromBroadcast = Create(
        "TG0206", Queues, DiagnosticSeverity.Warning,
        "Single result awaited from a broadcast queue",
        "Queue '{0}' is a broadcast queue: every worker answers, but this result keeps only the first reply; send with TaskApp.Broadcast or BroadcastAsync and read the BroadcastResult");

    internal static readonly DiagnosticDescriptor BroadcastToDirectQueue = Create(
        "TG0207", Queues, DiagnosticSeverity.Error,
        "Broadcast sent to a direct queue",
        "This call broadcasts, but queue '{0}' is a direct queue and the app refuses it: route to a broadcast queue, or send with Send/SendAsync");

    internal static readonly DiagnosticDescriptor GeneratedQueueInAttribute = Create(
        "TG0208", Queues, DiagnosticSeverity.Error,
        "Task queue refers to generated code",
        "The queue of task '{0}' is '{1}', a constant TaskGen generates, which the generator cannot see while it reads this attribute: write the queue name \"{2}\" here");

    internal static readonly DiagnosticDescriptor UseQueuesConstant = Create(
        "TG0209", Queues, DiagnosticSeverity.Info,
        "Use the generated queue constant",
        "Queue \"{0}\" has the generated constant '{1}': use it, so that a renamed queue breaks the build instead of the routing");

    internal static readonly DiagnosticDescriptor BroadcastQuorumQueue = Create(
        "TG0210", Queues, DiagnosticSeverity.Error,
        "Broadcast queue declared as a quorum queue",
        "Queue '{0}' is a broadcast queue, whose only queues are each worker's exclusive bcast.<uuid> queue, and a quorum queue cannot be exclusive: remove Type, or declare a direct queue");

    internal static readonly DiagnosticDescriptor WorkerQueueUndeclared = Create(
        "TG0211", Queues, DiagnosticSeverity.Error,
        "Worker consumes an undeclared queue",
        "Queue '{0}' is not declared, so the worker refuses to start: add [assembly: TaskQueue(\"{0}\")] or consume a declared queue");

    // Options: constant values that cannot work.

    internal static readonly DiagnosticDescriptor NegativeCountdown = Create(
        "TG0301", Options, DiagnosticSeverity.Warning,
        "Negative countdown",
        "Countdown is {0}, which is in the past, so the task runs at once: use a positive delay, or leave Countdown unset");

    internal static readonly DiagnosticDescriptor ExpiresBeforeEta = Create(
        "TG0302", Options, DiagnosticSeverity.Error,
        "Task expires before it may run",
        "The task expires no later than it may run (expiry minus ETA is {0}), so every worker revokes it: make it expire after the ETA or countdown");

    internal static readonly DiagnosticDescriptor NonPositiveExpiresIn = Create(
        "TG0303", Options, DiagnosticSeverity.Error,
        "ExpiresIn is not positive",
        "ExpiresIn is {0}, so the task has expired when it is sent and never runs: use a positive time span");

    internal static readonly DiagnosticDescriptor NonPositiveTimeout = Create(
        "TG0304", Options, DiagnosticSeverity.Error,
        "Result timeout is not positive",
        "The timeout is {0}, so the wait ends before any worker can answer: use a positive time span, or null to wait until cancelled");

    // The failure policy on [Task]: a mistake here would otherwise show only when the task first fails, or is
    // first rate limited, on a worker.

    internal static readonly DiagnosticDescriptor RetryForNotAnException = Create(
        "TG0305", Options, DiagnosticSeverity.Error,
        "Retry exception type is not an exception",
        "RetryFor lists '{0}', which does not derive from System.Exception: list only exception types, the failures that should retry the task");

    internal static readonly DiagnosticDescriptor RetrySettingOutOfRange = Create(
        "TG0306", Options, DiagnosticSeverity.Error,
        "Retry setting out of range",
        "{0} is {1}: {2}");

    internal static readonly DiagnosticDescriptor RateLimitDoesNotParse = Create(
        "TG0307", Options, DiagnosticSeverity.Error,
        "Rate limit does not parse",
        "Rate limit \"{0}\" does not parse: write a positive number of runs per second, minute or hour, such as \"10/s\", \"0.5/m\" or \"5/h\" (a bare number is per second)");

    internal static readonly DiagnosticDescriptor RetryOnBroadcastTask = Create(
        "TG0308", Options, DiagnosticSeverity.Warning,
        "Retry policy on a broadcast task",
        "Task '{0}' runs on the broadcast queue '{1}', where a worker never retries it, because a retry would run again on every worker: remove its retry settings ({2}), or route the task to a direct queue");

    // Canvas: a workflow whose parts do not fit together; the app rejects the same canvas when it is sent, but only
    // on the code path that sends it.

    internal static readonly DiagnosticDescriptor ChordBodyDoesNotTakeHeaderResults = Create(
        "TG0401", Canvas, DiagnosticSeverity.Error,
        "Chord body does not take the header's results",
        "The chord body '{0}' takes {1} first, but its header's tasks return {2}: give {3} a first parameter of List<{2}> (or IReadOnlyList<{2}>), or change the header");

    internal static readonly DiagnosticDescriptor StepDoesNotTakePreviousResult = Create(
        "TG0402", Canvas, DiagnosticSeverity.Error,
        "Next step does not take the previous result",
        "The {0} '{1}' takes {2} first, but the call before it returns {3}: give {4} a first parameter of {3}, or put a step between them that turns {3} into {2}");

    internal static readonly DiagnosticDescriptor ChordBodyDropsHeaderResults = Create(
        "TG0403", Canvas, DiagnosticSeverity.Info,
        "Chord body drops the header's results",
        "The chord body '{0}' is a full signature, so it runs without the header's results: use {0}.Partial(...) without the first argument if it needs them");

    internal static readonly DiagnosticDescriptor ChordHeaderIgnoresResult = Create(
        "TG0404", Canvas, DiagnosticSeverity.Error,
        "Chord header member ignores its result",
        "The header member '{0}' is sent with IgnoreResult = true, so the chord never counts it and its body never runs: remove IgnoreResult from this call");

    internal static readonly DiagnosticDescriptor ChordBodyOnBroadcastQueue = Create(
        "TG0405", Canvas, DiagnosticSeverity.Error,
        "Chord body on a broadcast queue",
        "The chord body '{0}' goes to the broadcast queue '{1}', where every worker would run it and answer for the one chord: route the body to a direct queue with new TaskOptions {{ Queue = ... }}, or use a task of a direct queue");

    internal static readonly DiagnosticDescriptor ErrbackDoesNotTakeTaskId = Create(
        "TG0406", Canvas, DiagnosticSeverity.Error,
        "Error callback does not take a task id",
        "The error callback '{0}' takes {1} first, but an error callback receives the failed task's id, a string: give {2} a first parameter of string");

    // Periodic tasks: a schedule the scheduler would refuse when it starts, or one that would not run when it seems to.

    internal static readonly DiagnosticDescriptor CronDoesNotParse = Create(
        "TG0501", Schedules, DiagnosticSeverity.Error,
        "Cron expression does not parse",
        "Cron expression \"{0}\" does not parse: {1}; write five fields (minute hour day month weekday) or six (seconds first), such as \"0 6 * * *\" for 06:00 every day");

    internal static readonly DiagnosticDescriptor UnknownTimeZone = Create(
        "TG0502", Schedules, DiagnosticSeverity.Error,
        "Unknown time zone",
        "Time zone \"{0}\" is not a known IANA time-zone id{1}: write an id such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"");

    internal static readonly DiagnosticDescriptor DailyTimeInDaylightSavingChange = Create(
        "TG0503", Schedules, DiagnosticSeverity.Warning,
        "Daily time falls in a daylight-saving change",
        "Cron expression \"{0}\" runs at {1} in {2}, which {3}: a skipped time runs at the change, and a repeated time runs once, at its first occurrence; pick a time outside the change if the run must be at its written time");

    internal static readonly DiagnosticDescriptor DuplicateEntryName = Create(
        "TG0504", Schedules, DiagnosticSeverity.Error,
        "Duplicate schedule entry name",
        "Schedule entry '{0}' is also added at {1}: give one of them another name, since each run's task id is derived from the entry's name",
        WellKnownDiagnosticTags.CompilationEnd);

    internal static readonly DiagnosticDescriptor IntervalUnderOneSecond = Create(
        "TG0505", Schedules, DiagnosticSeverity.Error,
        "Schedule interval under one second",
        "The interval {0} is under one second, the shortest a schedule may have: use one second or more, such as TimeSpan.FromSeconds(1) or \"1 s\"");

    internal static readonly DiagnosticDescriptor PeriodicNotRegistered = Create(
        "TG0506", Schedules, DiagnosticSeverity.Error,
        "Periodic attribute cannot be registered",
        "[Periodic] on '{0}' cannot be registered: {1}");

    internal static readonly DiagnosticDescriptor IntervalDoesNotParse = Create(
        "TG0507", Schedules, DiagnosticSeverity.Error,
        "Interval does not parse",
        "Interval \"{0}\" does not parse: write a number and a unit (s, m, h or d), such as \"30 s\", \"5 m\" or \"1.5 h\", or hh:mm:ss");

    // Task contracts: a worker's assembly implements each contract it binds with [TaskImplementation], type for type.

    internal static readonly DiagnosticDescriptor ContractTaskNotImplemented = Create(
        "TG0601", Contracts, DiagnosticSeverity.Error,
        "Contract task has no implementation",
        "This assembly implements contract '{0}', but not its task '{1}': add a static method with [TaskImplementation(typeof({0}), nameof({0}.{1}))], or put [TaskImplementation] on a class that implements '{0}'",
        WellKnownDiagnosticTags.CompilationEnd);

    internal static readonly DiagnosticDescriptor ImplementationParametersDiffer = Create(
        "TG0602", Contracts, DiagnosticSeverity.Error,
        "Implementation parameters differ from the contract",
        "'{0}' implements contract task '{1}', which sends {2}, but takes {3}: take the contract's types in its order (CancellationToken, TaskContext and [FromServices] parameters may be added anywhere)");

    internal static readonly DiagnosticDescriptor ImplementationResultDiffers = Create(
        "TG0603", Contracts, DiagnosticSeverity.Error,
        "Implementation result differs from the contract",
        "'{0}' implements contract task '{1}', which returns {2}, but returns {3}: return the contract's result type (as a value, Task<T> or ValueTask<T>)");

    internal static readonly DiagnosticDescriptor NotAContractTask = Create(
        "TG0604", Contracts, DiagnosticSeverity.Error,
        "Implementation names no contract task",
        "{0}: a contract is an interface whose tasks are methods marked [Task]");

    internal static readonly DiagnosticDescriptor ContractTaskImplementedTwice = Create(
        "TG0605", Contracts, DiagnosticSeverity.Error,
        "Contract task implemented twice",
        "Contract task '{0}' is also implemented by {1}: keep one implementation per assembly, since a worker runs each task one way",
        WellKnownDiagnosticTags.CompilationEnd);

    internal static readonly DiagnosticDescriptor ServiceInContract = Create(
        "TG0606", Contracts, DiagnosticSeverity.Error,
        "Service parameter in a contract",
        "Parameter '{0}' of contract task '{1}' is marked [FromServices]: remove it from the contract and take the service in the implementing class's constructor, or as a [FromServices] parameter of a static implementation");

    internal static readonly DiagnosticDescriptor ImplementationNotCallable = Create(
        "TG0607", Contracts, DiagnosticSeverity.Error,
        "Implementation cannot be called by generated code",
        "'{0}' cannot implement a contract task because {1}");

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message, params string[] tags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md", customTags: tags);
}
