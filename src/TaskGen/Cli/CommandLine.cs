using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Hosting;

namespace TaskGen.Cli;

/// <summary>
/// The command tree of a TaskGen program (<c>worker</c>, <c>beat</c>, <c>call</c>, <c>status</c>, <c>inspect</c>, <c>revoke</c>,
/// <c>purge</c>, <c>deadletters</c>, <c>schedule</c>, <c>help</c>) with Celery's option spellings, and the usage errors it reports.
/// </summary>
/// <remarks>
/// Every value is checked while parsing, so a typo fails at once with exit code 64 (EX_USAGE, as Celery's
/// command line) and a message naming the option and the form it expects, before any broker is reached.
/// </remarks>
// Split by role, not by command: the tree here, one declaration per option with its aliases, default and check
// beside it (read as the command's manual); usage errors in CommandLine.Errors.cs; value forms in CommandLine.Values.cs,
// which the commands share (-t, -d, -Q), so that no form is written twice.
internal sealed partial class CommandLine
{
    /// <summary>The longest reply or result wait the command line accepts, in seconds (one day).</summary>
    public const double MaxTimeoutSeconds = 86_400;

    /// <summary>The exit code of a usage error (EX_USAGE), as Celery's command line returns.</summary>
    public const int UsageError = 64;

    /// <summary>The <c>inspect</c> requests the command line sends; workers answer each of them.</summary>
    public static readonly string[] InspectMethods = ["ping", "registered", "active", "scheduled", "reserved", "stats", "active_queues"];

    private const string ConfigurationPrefix = "--" + TaskAppOptions.SectionName;

    private static readonly string s_inspectMethodList = "ping, registered, active, scheduled, reserved, stats or active_queues";

    /// <summary>What each option's value must look like, by the option's long name, for error messages.</summary>
    private static readonly Dictionary<string, string> s_forms = new(StringComparer.Ordinal)
    {
        ["--broker"] = "a broker URL (e.g. -b amqp://guest:guest@localhost:5672/)",
        ["--loglevel"] = "debug, info, warning, error or critical (e.g. -l info)",
        ["--queues"] = "queue names separated by commas (e.g. -Q calc,celery)",
        ["--concurrency"] = "a whole number of at least 1 (e.g. -c 8)",
        ["--hostname"] = "a node name (e.g. -n w1@%h)",
        ["--timeout"] = $"a number of seconds greater than 0 and at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (e.g. -t 2.5)",
        ["--destination"] = "node names separated by commas (e.g. -d w1@host,w2@host)",
        ["--kwargs"] = "a JSON object (e.g. --kwargs '{\"r\": 2}')",
        ["--limit"] = "a whole number of at least 1 (e.g. --limit 20)",
        ["--queue"] = "a queue name (e.g. --queue taskgen.dead)",
        ["--to"] = "a queue name (e.g. --to calc)",
        ["--scheduler-name"] = "a schedule name (e.g. --scheduler-name celery)",
        ["--election"] = "broker or redis (e.g. --election redis)",
    };

    /// <summary>What a command says when its required argument is missing.</summary>
    private readonly Dictionary<Argument, string> _missing = [];

    /// <summary>Builds the command tree; actions are attached by the host.</summary>
    public CommandLine()
    {
        Broker = new Option<string?>("--broker", "-b") { Description = "The broker URL; overrides TaskGen:BrokerUrl.", HelpName = "url", Recursive = true };
        Level = new Option<LogLevel>("--loglevel", "-l")
        {
            Description = "The lowest level logged: debug, info, warning, error or critical.",
            HelpName = "level",
            Recursive = true,
            DefaultValueFactory = static _ => LogLevel.Warning,
            CustomParser = ParseLogLevel,
        };

        WorkerQueues = QueueListOption("The queues to consume; the default queue (TaskGen:TaskDefaultQueue, celery) when omitted.");
        Concurrency = new Option<int?>("--concurrency", "-c")
        {
            Description = "How many tasks run at once; the number of processors when omitted.",
            HelpName = "n",
            CustomParser = ParseWholeNumber,
        };
        Hostname = new Option<string?>("--hostname", "-n") { Description = "The node name; %h stands for the host name.", HelpName = "name@%h" };
        TaskEvents = new Option<bool>("--task-events", "-E") { Description = "Send task events, for monitors such as Flower." };
        Worker = new Command("worker", "Consume queues and run tasks.") { WorkerQueues, Concurrency, Hostname, TaskEvents };

        BeatSchedulerName = SchedulerNameOption();
        BeatElection = ElectionOption();
        Beat = new Command("beat", "Send the schedule's periodic tasks on time; any number of beat processes elect one sender.") { BeatSchedulerName, BeatElection };

        TaskName = new Argument<string>("task") { Description = "The task's name, as registered (e.g. CeleryApp.Tasks.Geometry.RectArea)." };
        TaskName.Validators.Add(static result =>
        {
            if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
            {
                result.AddError("call needs a task name, not an empty one: call <task> ['<json args>'].");
            }
        });
        _missing[TaskName] = "call needs a task name: call <task> ['<json args>'] [--kwargs '<json>'].";
        TaskArgs = new Argument<string?>("json args") { Description = "The positional arguments, as a JSON array (e.g. '[2, 2]').", Arity = ArgumentArity.ZeroOrOne };
        TaskArgs.Validators.Add(result => CheckJson(result, JsonValueKind.Array, "call's <json args>", "a JSON array (e.g. '[2, 2]')"));
        Kwargs = new Option<string?>("--kwargs") { Description = "The keyword arguments, as a JSON object.", HelpName = "json" };
        Kwargs.Validators.Add(result => CheckJson(result, JsonValueKind.Object, "Option --kwargs", s_forms["--kwargs"]));
        CallQueue = new Option<string?>("--queues", "-Q") { Description = "The queue to send to; the task's own queue when omitted.", HelpName = "queue" };
        CallTimeout = TimeoutOption(30, "How long to wait for the result.");
        Unregistered = new Option<bool>("--unregistered")
        {
            Description = "Send a task this program does not register, by the name as written (a task of a Python worker, say); without it an unknown name fails at once.",
        };
        Call = new Command("call", "Send a task by name and print its result.") { TaskName, TaskArgs, Kwargs, CallQueue, CallTimeout, Unregistered };

        StatusTimeout = TimeoutOption(1, "How long to wait for replies.");
        StatusDestination = DestinationOption();
        Status = new Command("status", "List the workers that answer a ping; exits 69 when none does.") { StatusTimeout, StatusDestination };

        InspectMethod = new Argument<string>("request")
        {
            Description = "What to ask: " + s_inspectMethodList + ".",
            HelpName = string.Join('|', InspectMethods),
        };
        InspectMethod.CompletionSources.Add(InspectMethods);
        InspectMethod.Validators.Add(static result =>
        {
            if (result.Tokens.Count == 1 && Array.IndexOf(InspectMethods, result.Tokens[0].Value) < 0)
            {
                result.AddError($"'{LogText.Escape(result.Tokens[0].Value)}' is not an inspect command: use {s_inspectMethodList}.");
            }
        });
        _missing[InspectMethod] = $"inspect needs a command: {s_inspectMethodList}.";
        InspectTimeout = TimeoutOption(1, "How long to wait for replies.");
        InspectDestination = DestinationOption();
        Json = new Option<bool>("--json") { Description = "Print the replies as one JSON object keyed by node name." };
        Inspect = new Command("inspect", "Ask workers about themselves.") { InspectMethod, InspectTimeout, InspectDestination, Json };

        TaskIds = new Argument<string[]>("task id") { Description = "The ids of the tasks not to run.", Arity = ArgumentArity.OneOrMore };
        _missing[TaskIds] = "revoke needs one or more task ids: revoke <task id> [<task id> ...].";
        RevokeTimeout = TimeoutOption(1, "How long to wait for replies.");
        RevokeDestination = DestinationOption();
        Revoke = new Command("revoke", "Tell workers not to run these tasks.") { TaskIds, RevokeTimeout, RevokeDestination };

        PurgeQueues = QueueListOption("The queues to empty; every declared task queue and the default queue when omitted.");
        Force = new Option<bool>("--force", "-f") { Description = "Purge without asking (purge never asks; accepted for Celery's scripts)." };
        Purge = new Command("purge", "Delete every waiting message from task queues.") { PurgeQueues, Force };

        DeadLetterQueue = new Option<string?>("--queue", "-Q")
        {
            Description = "The dead-letter queue; TaskGen:DeadLetterQueue (taskgen.dead) when omitted.",
            HelpName = "queue",
            Recursive = true,
            CustomParser = ParseName,
        };
        Limit = new Option<int?>("--limit") { Description = $"Show at most this many messages; {DeadLetterCommands.DefaultLimit} when omitted.", HelpName = "n", CustomParser = ParseWholeNumber };
        DeadLettersJson = new Option<bool>("--json") { Description = "Print the messages as one JSON array." };
        DeadLettersList = new Command("list", "List the dead letters in queue order: id, task, retries, and the queue it died in, why and when. They stay in the queue.") { Limit, DeadLettersJson };
        ShowTaskId = TaskIdArgument("The id of the task to show.", "deadletters show needs a task id: deadletters show <task id> [--queue queue].");
        DeadLettersShow = new Command("show", "Print one dead letter's headers, properties, deaths and body; exits 1 when it is not in the queue.") { ShowTaskId };
        ReplayTaskId = TaskIdArgument("The id of the task to replay.", null);
        ReplayTaskId.Arity = ArgumentArity.ZeroOrOne;
        ReplayAll = new Option<bool>("--all") { Description = "Replay every message in the dead-letter queue." };
        ReplayTo = new Option<string?>("--to") { Description = "The queue to send to; the queue the message died in when omitted.", HelpName = "queue", CustomParser = ParseName };
        DeadLettersReplay = new Command("replay", "Send a dead letter back to the queue it died in (or --to another), then remove it; exits 1 when it is not in the queue.")
        {
            ReplayTaskId, ReplayAll, ReplayTo,
        };
        DeadLettersReplay.Validators.Add(result =>
        {
            bool id = result.GetResult(ReplayTaskId) is { Tokens.Count: > 0 };
            if (id == result.GetValue(ReplayAll))
            {
                result.AddError(id
                    ? "deadletters replay takes a task id or --all, not both."
                    : "deadletters replay needs a task id or --all: deadletters replay <task id>|--all [--to queue].");
            }
        });
        DeadLetters = new Command("deadletters", "List, show and replay the messages workers rejected, from the dead-letter queue.")
        {
            DeadLetterQueue, DeadLettersList, DeadLettersShow, DeadLettersReplay,
        };

        ListSchedulerName = SchedulerNameOption();
        ListElection = ElectionOption();
        ScheduleList = new Command("list", "Print each entry (name, task, schedule, zone, misfire policy, queue and its next three run times in its zone), then who leads.")
        {
            ListSchedulerName, ListElection,
        };
        Schedule = new Command("schedule", "Show the periodic tasks that beat sends.") { ScheduleList };

        HelpTopic = new Argument<string?>("command") { Description = "The command to describe.", Arity = ArgumentArity.ZeroOrOne };
        Help = new Command("help", "Show this text, or a command's options.") { HelpTopic };
        HelpTopic.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !IsCommand(result.Tokens[0].Value))
            {
                result.AddError($"Unknown command '{LogText.Escape(result.Tokens[0].Value)}': use {CommandList()}.");
            }
        });

        Root = new RootCommand(
            "Runs a TaskGen program's commands, as celery -A app does. Settings come from appsettings.json (section TaskGen), "
            + "then environment variables (TaskGen__BrokerUrl, TaskGen__WorkerPrefetchMultiplier, ...), then --TaskGen:Name=value "
            + "arguments and the options below. Usage errors exit with code 64.")
        {
            Broker, Level, Worker, Beat, Call, Status, Inspect, Revoke, Purge, DeadLetters, Schedule, Help,
        };
    }

    /// <summary>The root of the tree, named after the program.</summary>
    public RootCommand Root { get; }

    /// <summary><c>--broker/-b</c>, accepted before or after the command.</summary>
    public Option<string?> Broker { get; }

    /// <summary><c>--loglevel/-l</c>, accepted before or after the command.</summary>
    public Option<LogLevel> Level { get; }

    /// <summary><c>worker</c>: consume queues and run tasks until stopped.</summary>
    public Command Worker { get; }

    /// <summary><c>worker -Q/--queues</c>, comma-separated and repeatable.</summary>
    public Option<string[]?> WorkerQueues { get; }

    /// <summary><c>worker -c/--concurrency</c>; null means the configured concurrency.</summary>
    public Option<int?> Concurrency { get; }

    /// <summary><c>worker -n/--hostname</c>.</summary>
    public Option<string?> Hostname { get; }

    /// <summary><c>worker -E/--task-events</c>.</summary>
    public Option<bool> TaskEvents { get; }

    /// <summary><c>beat</c>: run a scheduler until stopped.</summary>
    public Command Beat { get; }

    /// <summary><c>beat --scheduler-name</c>; null means TaskGen:Scheduler:Name (celery).</summary>
    public Option<string?> BeatSchedulerName { get; }

    /// <summary><c>beat --election</c>; null means TaskGen:Scheduler:Election (broker).</summary>
    public Option<string?> BeatElection { get; }

    /// <summary><c>call</c>: send one task by name and print its result.</summary>
    public Command Call { get; }

    /// <summary><c>call &lt;task&gt;</c>.</summary>
    public Argument<string> TaskName { get; }

    /// <summary><c>call &lt;task&gt; '&lt;json args&gt;'</c>, checked to be a JSON array.</summary>
    public Argument<string?> TaskArgs { get; }

    /// <summary><c>call --kwargs</c>, checked to be a JSON object.</summary>
    public Option<string?> Kwargs { get; }

    /// <summary><c>call -Q/--queues</c>: one queue, used as written.</summary>
    public Option<string?> CallQueue { get; }

    /// <summary><c>call -t/--timeout</c> in seconds (30 by default).</summary>
    public Option<double> CallTimeout { get; }

    /// <summary><c>call --unregistered</c>: send a name this program registers no task for.</summary>
    public Option<bool> Unregistered { get; }

    /// <summary><c>status</c>: ping the workers.</summary>
    public Command Status { get; }

    /// <summary><c>status -t/--timeout</c> in seconds (1 by default).</summary>
    public Option<double> StatusTimeout { get; }

    /// <summary><c>status -d/--destination</c>.</summary>
    public Option<string[]?> StatusDestination { get; }

    /// <summary><c>inspect</c>: ask workers about themselves.</summary>
    public Command Inspect { get; }

    /// <summary><c>inspect ping|registered|active|scheduled|reserved|stats|active_queues</c>.</summary>
    public Argument<string> InspectMethod { get; }

    /// <summary><c>inspect -t/--timeout</c> in seconds (1 by default).</summary>
    public Option<double> InspectTimeout { get; }

    /// <summary><c>inspect -d/--destination</c>.</summary>
    public Option<string[]?> InspectDestination { get; }

    /// <summary><c>inspect --json</c>.</summary>
    public Option<bool> Json { get; }

    /// <summary><c>revoke</c>: tell workers not to run tasks.</summary>
    public Command Revoke { get; }

    /// <summary><c>revoke &lt;task id&gt;...</c>.</summary>
    public Argument<string[]> TaskIds { get; }

    /// <summary><c>revoke -t/--timeout</c> in seconds (1 by default).</summary>
    public Option<double> RevokeTimeout { get; }

    /// <summary><c>revoke -d/--destination</c>.</summary>
    public Option<string[]?> RevokeDestination { get; }

    /// <summary><c>purge</c>: empty task queues.</summary>
    public Command Purge { get; }

    /// <summary><c>purge -Q/--queues</c>, comma-separated and repeatable.</summary>
    public Option<string[]?> PurgeQueues { get; }

    /// <summary><c>purge -f/--force</c>, accepted so Celery's scripts run unchanged.</summary>
    public Option<bool> Force { get; }

    /// <summary><c>deadletters</c>: browse and replay the dead-letter queue; it runs only its subcommands.</summary>
    public Command DeadLetters { get; }

    /// <summary><c>deadletters -Q/--queue</c>, accepted before or after the subcommand.</summary>
    public Option<string?> DeadLetterQueue { get; }

    /// <summary><c>deadletters list</c>: one line per message, leaving them in the queue.</summary>
    public Command DeadLettersList { get; }

    /// <summary><c>deadletters list --limit</c>; null means <see cref="DeadLetterCommands.DefaultLimit"/>.</summary>
    public Option<int?> Limit { get; }

    /// <summary><c>deadletters list --json</c>.</summary>
    public Option<bool> DeadLettersJson { get; }

    /// <summary><c>deadletters show</c>: everything about one message.</summary>
    public Command DeadLettersShow { get; }

    /// <summary><c>deadletters show &lt;task id&gt;</c>.</summary>
    public Argument<string> ShowTaskId { get; }

    /// <summary><c>deadletters replay</c>: send a message back to its queue, then remove it.</summary>
    public Command DeadLettersReplay { get; }

    /// <summary><c>deadletters replay &lt;task id&gt;</c>; absent with <c>--all</c>.</summary>
    public Argument<string> ReplayTaskId { get; }

    /// <summary><c>deadletters replay --all</c>.</summary>
    public Option<bool> ReplayAll { get; }

    /// <summary><c>deadletters replay --to</c>; null means the queue each message died in.</summary>
    public Option<string?> ReplayTo { get; }

    /// <summary><c>schedule</c>: show the schedule; it runs only its subcommands.</summary>
    public Command Schedule { get; }

    /// <summary><c>schedule list</c>: each entry with its next run times, then the leader.</summary>
    public Command ScheduleList { get; }

    /// <summary><c>schedule list --scheduler-name</c>: whose leader to read.</summary>
    public Option<string?> ListSchedulerName { get; }

    /// <summary><c>schedule list --election</c>: where to read the leader.</summary>
    public Option<string?> ListElection { get; }

    /// <summary><c>help</c>: the same text as <c>--help</c>.</summary>
    public Command Help { get; }

    /// <summary><c>help &lt;command&gt;</c>.</summary>
    public Argument<string?> HelpTopic { get; }

    /// <summary>
    /// Parses <paramref name="args"/>, leaving out the <c>--TaskGen:Name=value</c> settings that
    /// <see cref="TaskAppConfiguration.Load"/> reads from the same arguments.
    /// </summary>
    public ParseResult Parse(string[] args) =>
        // No response files: a queue or node name starting with '@' is a name, not a file to read.
        Root.Parse(WithoutSettings(args).ToArray(), new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static IEnumerable<string> WithoutSettings(string[] args)
    {
        // The same arguments TaskAppConfiguration.Load reads: --TaskGen:Name=value, --TaskGen:Name value, --TaskGen__Name ...
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.Length > ConfigurationPrefix.Length && arg.StartsWith(ConfigurationPrefix, StringComparison.OrdinalIgnoreCase)
                && arg[ConfigurationPrefix.Length] is ':' or '_')
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            yield return arg;
        }
    }
}