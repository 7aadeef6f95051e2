using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Cli;
using TaskGen.Tests.Hosting;

namespace TaskGen.Tests.Cli;

/// <summary>
/// The command line: usage errors exit 64 before any broker is reached, naming the option, argument or
/// command at fault and the form it expects; help exits 0; good values arrive typed.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class CommandLineTests
{
    [Theory]
    // Commands and options nobody declared.
    [InlineData(new[] { "frobnicate" }, "Unknown command 'frobnicate': use worker, beat, call, status, inspect, revoke, purge, deadletters, schedule or help.")]
    [InlineData(new string[0], "No command given: use worker, beat, call, status, inspect, revoke, purge, deadletters, schedule or help.")]
    [InlineData(new[] { "worker", "--frob" }, "Unknown option '--frob' for worker.")]
    [InlineData(new[] { "--frob", "status" }, "Unknown option '--frob'.")]
    [InlineData(new[] { "status", "--frob" }, "Unknown option '--frob' for status.")]
    [InlineData(new[] { "status", "-c", "3" }, "Unknown option '-c' for status.")]
    [InlineData(new[] { "-Q", "calc", "worker" }, "Option -Q goes after the command: worker -Q ...")]
    [InlineData(new[] { "-x", "worker" }, "Unknown option '-x'.")]
    [InlineData(new[] { "status", "extra" }, "Unexpected argument 'extra' for status.")]
    [InlineData(new[] { "worker", "-Q", "a", "b" }, "Unexpected argument 'b' for worker.")]
    [InlineData(new[] { "worker", "-E", "calc" }, "Unexpected argument 'calc' for worker.")]
    [InlineData(new[] { "help", "frob" }, "Unknown command 'frob': use worker, beat,")]
    // Options missing their value.
    [InlineData(new[] { "worker", "-c" }, "Option -c/--concurrency needs a value: a whole number of at least 1 (e.g. -c 8).")]
    [InlineData(new[] { "worker", "-Q" }, "Option -Q/--queues needs a value: queue names separated by commas (e.g. -Q calc,celery).")]
    [InlineData(new[] { "worker", "-n" }, "Option -n/--hostname needs a value: a node name (e.g. -n w1@%h).")]
    [InlineData(new[] { "status", "--broker" }, "Option --broker needs a value: a broker URL (e.g. -b amqp://guest:guest@localhost:5672/).")]
    [InlineData(new[] { "status", "-t" }, "Option -t/--timeout needs a value: a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5).")]
    [InlineData(new[] { "inspect", "ping", "-d" }, "Option -d/--destination needs a value: node names separated by commas")]
    [InlineData(new[] { "call", "t", "--kwargs" }, "Option --kwargs needs a value: a JSON object")]
    [InlineData(new[] { "worker", "-l" }, "Option -l/--loglevel needs a value: debug, info, warning, error or critical (e.g. -l info).")]
    // Bad numbers.
    [InlineData(new[] { "worker", "-c", "abc" }, "Option -c/--concurrency expects a whole number of at least 1 (e.g. -c 8), not 'abc'.")]
    [InlineData(new[] { "worker", "--concurrency", "0" }, "Option --concurrency expects a whole number of at least 1 (e.g. -c 8), not '0'.")]
    [InlineData(new[] { "worker", "-c", "-3" }, "Option -c/--concurrency expects a whole number of at least 1 (e.g. -c 8), not '-3'.")]
    [InlineData(new[] { "worker", "-c", "1.5" }, "Option -c/--concurrency expects a whole number of at least 1 (e.g. -c 8), not '1.5'.")]
    [InlineData(new[] { "worker", "-c", "99999999999" }, "not '99999999999'")]
    [InlineData(new[] { "worker", "-c", "1", "-c", "2" }, "--concurrency is given more than once; give it once.")]
    [InlineData(new[] { "status", "-t", "abc" }, "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not 'abc'.")]
    [InlineData(new[] { "status", "-t", "-1" }, "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not '-1'.")]
    [InlineData(new[] { "status", "--timeout", "0" }, "Option --timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not '0'.")]
    [InlineData(new[] { "inspect", "ping", "-t", "86401" }, "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not '86401'.")]
    [InlineData(new[] { "call", "t", "-t", "1e9" }, "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not '1e9'.")]
    [InlineData(new[] { "revoke", "id", "-t", "NaN" }, "Option -t/--timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not 'NaN'.")]
    [InlineData(new[] { "status", "-t", "Infinity" }, "not 'Infinity'")]
    [InlineData(new[] { "status", "-t", "1\n2" }, "not '1\\n2'")]
    [InlineData(new[] { "status", "--timeout=soon" }, "Option --timeout expects a number of seconds greater than 0 and at most 86400 (e.g. -t 2.5), not 'soon'.")]
    // Other bad values.
    [InlineData(new[] { "worker", "-l", "loud" }, "Option -l/--loglevel expects debug, info, warning, error or critical (e.g. -l info), not 'loud'.")]
    [InlineData(new[] { "--loglevel", "loud", "worker" }, "Option --loglevel expects debug, info, warning, error or critical (e.g. -l info), not 'loud'.")]
    [InlineData(new[] { "purge", "-Q", "," }, "Option -Q/--queues expects queue names separated by commas (e.g. -Q calc,celery), not ','.")]
    [InlineData(new[] { "inspect" }, "inspect needs a command: ping, registered, active, scheduled, reserved, stats or active_queues.")]
    [InlineData(new[] { "inspect", "pong" }, "'pong' is not an inspect command: use ping, registered, active, scheduled, reserved, stats or active_queues.")]
    [InlineData(new[] { "inspect", "query_task" }, "'query_task' is not an inspect command")]
    [InlineData(new[] { "call" }, "call needs a task name: call <task> ['<json args>'] [--kwargs '<json>'].")]
    [InlineData(new[] { "call", "" }, "call needs a task name, not an empty one")]
    [InlineData(new[] { "call", "t", "[1," }, "call's <json args> expects a JSON array (e.g. '[2, 2]'), not '[1,'")]
    [InlineData(new[] { "call", "t", "{\"a\": 1}" }, "call's <json args> expects a JSON array (e.g. '[2, 2]'), not '{\"a\": 1}': got a JSON object.")]
    [InlineData(new[] { "call", "t", "--kwargs", "[1]" }, "Option --kwargs expects a JSON object (e.g. --kwargs '{\"r\": 2}'), not '[1]': got a JSON array.")]
    [InlineData(new[] { "call", "t", "[1]", "extra" }, "Unexpected argument 'extra' for call.")]
    [InlineData(new[] { "revoke" }, "revoke needs one or more task ids: revoke <task id> [<task id> ...].")]
    // deadletters and its subcommands.
    [InlineData(new[] { "deadletters" }, "deadletters needs a command: list, show or replay.")]
    [InlineData(new[] { "deadletters", "frob" }, "Unknown command 'frob' for deadletters: use list, show or replay.")]
    [InlineData(new[] { "deadletters", "list", "--frob" }, "Unknown option '--frob' for deadletters list.")]
    [InlineData(new[] { "deadletters", "list", "extra" }, "Unexpected argument 'extra' for deadletters list.")]
    [InlineData(new[] { "deadletters", "list", "--limit" }, "Option --limit needs a value: a whole number of at least 1 (e.g. --limit 20).")]
    [InlineData(new[] { "deadletters", "list", "--limit", "0" }, "Option --limit expects a whole number of at least 1 (e.g. --limit 20), not '0'.")]
    [InlineData(new[] { "deadletters", "list", "--limit", "ten" }, "Option --limit expects a whole number of at least 1 (e.g. --limit 20), not 'ten'.")]
    [InlineData(new[] { "deadletters", "list", "--queue" }, "Option --queue needs a value: a queue name (e.g. --queue taskgen.dead).")]
    [InlineData(new[] { "deadletters", "list", "-Q", "" }, "Option -Q/--queue expects a queue name (e.g. --queue taskgen.dead), not ''.")]
    [InlineData(new[] { "deadletters", "list", "--json", "yes" }, "Unexpected argument 'yes' for deadletters list.")]
    [InlineData(new[] { "deadletters", "show" }, "deadletters show needs a task id: deadletters show <task id> [--queue queue].")]
    [InlineData(new[] { "deadletters", "show", "" }, "deadletters needs a task id, not an empty one.")]
    [InlineData(new[] { "deadletters", "show", "a", "b" }, "Unexpected argument 'b' for deadletters show.")]
    [InlineData(new[] { "deadletters", "replay" }, "deadletters replay needs a task id or --all: deadletters replay <task id>|--all [--to queue].")]
    [InlineData(new[] { "deadletters", "replay", "id", "--all" }, "deadletters replay takes a task id or --all, not both.")]
    [InlineData(new[] { "deadletters", "replay", "id", "--to" }, "Option --to needs a value: a queue name (e.g. --to calc).")]
    [InlineData(new[] { "deadletters", "replay", "id", "--to", " calc" }, "Option --to expects a queue name (e.g. --to calc), not ' calc'.")]
    public async Task EachUsageErrorExits64AndNamesWhatIsWrong(string[] args, string expected)
    {
        // Already cancelled: a command that ran by mistake would stop at once rather than look for a broker.
        (int code, string output, string error) = await RunAsync(args, new CancellationToken(canceled: true));

        Assert.Equal(64, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("--help' for ", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task TheErrorPointsAtTheCommandsHelp()
    {
        (_, _, string error) = await RunAsync(["worker", "-c", "abc"]);

        Assert.EndsWith($"Run '{new CommandLine().Root.Name} worker --help' for its arguments and options.{Environment.NewLine}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePublicEntryPointExitsWithCelerysUsageCodeBeforeTouchingTheBroker()
    {
        // EX_USAGE, as Celery's command line uses; the broker on port 1 is never reached.
        Assert.Equal(64, await TaskAppHost.RunAsync(["worker", "-c", "abc", "--broker", "amqp://guest:guest@127.0.0.1:1/"]));
    }

    [Fact]
    public async Task HelpListsTheCommandsAndGlobalOptions()
    {
        (int code, string output, string error) = await RunAsync(["--help"]);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        foreach (string expected in new[] { "worker", "beat", "call", "status", "inspect", "revoke", "purge", "schedule", "help", "-b, --broker", "-l, --loglevel", "-h, --help", "64" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        Assert.Equal(output, (await RunAsync(["help"])).Output);
        Assert.Equal(output, (await RunAsync(["-h"])).Output);
    }

    [Theory]
    [InlineData("worker", new[] { "-Q, --queues", "-c, --concurrency", "-n, --hostname", "-E, --task-events", "-b, --broker", "-l, --loglevel" })]
    [InlineData("call", new[] { "<task>", "<json args>", "--kwargs", "-Q, --queues", "-t, --timeout", "[default: 30]" })]
    [InlineData("status", new[] { "-t, --timeout", "-d, --destination", "[default: 1]", "69" })]
    [InlineData("inspect", new[] { "ping|registered|active|scheduled|reserved|stats|active_queues", "-t, --timeout", "-d, --destination", "--json" })]
    [InlineData("revoke", new[] { "<task id>", "-t, --timeout", "-d, --destination" })]
    [InlineData("purge", new[] { "-Q, --queues", "-f, --force" })]
    [InlineData("deadletters", new[] { "list", "show", "replay", "-Q, --queue" })]
    [InlineData("beat", new[] { "--scheduler-name <name>", "--election <broker|redis>", "-b, --broker", "-l, --loglevel" })]
    [InlineData("schedule", new[] { "list" })]
    public async Task EachCommandsHelpListsItsOptions(string command, string[] expected)
    {
        (int code, string output, string error) = await RunAsync([command, "--help"]);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        foreach (string text in expected)
        {
            Assert.Contains(text, output, StringComparison.Ordinal);
        }

        Assert.Equal(output, (await RunAsync(["help", command])).Output);
    }

    [Fact]
    public void WorkerOptionsArriveTyped()
    {
        var line = new CommandLine();
        ParseResult parsed = line.Parse(["-b", "memory://before", "worker", "-Q", "calc,celery", "-Q", " slow ", "-c", "8", "-n", "w1@%h", "-E", "--loglevel", "info"]);

        Assert.Empty(parsed.Errors);
        Assert.Same(line.Worker, parsed.CommandResult.Command);
        Assert.Equal(["calc", "celery", "slow"], parsed.GetValue(line.WorkerQueues)!);
        Assert.Equal(8, parsed.GetValue(line.Concurrency));
        Assert.Equal("w1@%h", parsed.GetValue(line.Hostname));
        Assert.True(parsed.GetValue(line.TaskEvents));
        Assert.Equal("memory://before", parsed.GetValue(line.Broker));
        Assert.Equal(LogLevel.Information, parsed.GetValue(line.Level));
    }

    [Fact]
    public void OmittedOptionsFallBackToConfigurationOrTheirDefaults()
    {
        var line = new CommandLine();
        ParseResult worker = line.Parse(["worker"]);

        Assert.Null(CommandLine.Names(worker, line.WorkerQueues));
        Assert.Null(worker.GetValue(line.Concurrency));
        Assert.Null(worker.GetValue(line.Hostname));
        Assert.False(worker.GetValue(line.TaskEvents));
        Assert.Null(worker.GetValue(line.Broker));
        Assert.Equal(LogLevel.Warning, worker.GetValue(line.Level));
        Assert.Equal(1, line.Parse(["status"]).GetValue(line.StatusTimeout));
        Assert.Equal(30, line.Parse(["call", "t"]).GetValue(line.CallTimeout));
        Assert.Null(CommandLine.Names(line.Parse(["purge"]), line.PurgeQueues));
        Assert.Null(CommandLine.Names(line.Parse(["status"]), line.StatusDestination));
    }

    [Fact]
    public void CommandArgumentsAndOptionsArriveTyped()
    {
        var line = new CommandLine();

        ParseResult call = line.Parse(["call", "CeleryApp.Tasks.Geometry.RectArea", "[2, 2]", "--kwargs", "{}", "-Q", "calc", "-t", "2.5", "--broker=amqp://u:p@h:5672/v"]);
        Assert.Empty(call.Errors);
        Assert.Equal("CeleryApp.Tasks.Geometry.RectArea", call.GetValue(line.TaskName));
        Assert.Equal("[2, 2]", call.GetValue(line.TaskArgs));
        Assert.Equal("{}", call.GetValue(line.Kwargs));
        Assert.Equal("calc", call.GetValue(line.CallQueue));
        Assert.Equal(2.5, call.GetValue(line.CallTimeout));
        Assert.Equal("amqp://u:p@h:5672/v", call.GetValue(line.Broker));

        ParseResult inspect = line.Parse(["inspect", "active_queues", "-d", "a@h,b@h", "--json", "-t", "0.5"]);
        Assert.Empty(inspect.Errors);
        Assert.Equal("active_queues", inspect.GetValue(line.InspectMethod));
        Assert.Equal(["a@h", "b@h"], inspect.GetValue(line.InspectDestination)!);
        Assert.True(inspect.GetValue(line.Json));
        Assert.Equal(0.5, inspect.GetValue(line.InspectTimeout));

        // A flag does not swallow the word after it.
        ParseResult flagFirst = line.Parse(["inspect", "--json", "ping"]);
        Assert.Empty(flagFirst.Errors);
        Assert.Equal("ping", flagFirst.GetValue(line.InspectMethod));
        Assert.True(flagFirst.GetValue(line.Json));

        ParseResult revoke = line.Parse(["revoke", "id-1", "id-2"]);
        Assert.Empty(revoke.Errors);
        Assert.Equal(["id-1", "id-2"], revoke.GetValue(line.TaskIds)!);

        ParseResult purge = line.Parse(["purge", "-f", "-Q", "celery"]);
        Assert.Empty(purge.Errors);
        Assert.True(purge.GetValue(line.Force));
        Assert.Equal(["celery"], purge.GetValue(line.PurgeQueues)!);
    }

    [Fact]
    public void DeadLetterArgumentsAndOptionsArriveTyped()
    {
        var line = new CommandLine();

        ParseResult list = line.Parse(["deadletters", "list", "--limit", "5", "--json", "-Q", "my.dead"]);
        Assert.Empty(list.Errors);
        Assert.Same(line.DeadLettersList, list.CommandResult.Command);
        Assert.Equal(5, list.GetValue(line.Limit));
        Assert.True(list.GetValue(line.DeadLettersJson));
        Assert.Equal("my.dead", list.GetValue(line.DeadLetterQueue));

        ParseResult defaults = line.Parse(["deadletters", "list"]);
        Assert.Null(defaults.GetValue(line.Limit));
        Assert.Null(defaults.GetValue(line.DeadLetterQueue));
        Assert.False(defaults.GetValue(line.DeadLettersJson));

        ParseResult show = line.Parse(["deadletters", "--queue", "my.dead", "show", "id-1"]);
        Assert.Empty(show.Errors);
        Assert.Equal("id-1", show.GetValue(line.ShowTaskId));
        Assert.Equal("my.dead", show.GetValue(line.DeadLetterQueue));

        ParseResult one = line.Parse(["deadletters", "replay", "id-1", "--to", "calc"]);
        Assert.Empty(one.Errors);
        Assert.Equal("id-1", one.GetValue(line.ReplayTaskId));
        Assert.False(one.GetValue(line.ReplayAll));
        Assert.Equal("calc", one.GetValue(line.ReplayTo));

        ParseResult all = line.Parse(["deadletters", "replay", "--all"]);
        Assert.Empty(all.Errors);
        Assert.Null(all.GetValue(line.ReplayTaskId));
        Assert.True(all.GetValue(line.ReplayAll));
        Assert.Null(all.GetValue(line.ReplayTo));
    }

    [Fact]
    public void SettingsArgumentsAreLeftToTheConfiguration()
    {
        var line = new CommandLine();
        ParseResult parsed = line.Parse(["--TaskGen:WorkerPrefetchMultiplier=3", "worker", "--TaskGen__TaskDefaultQueue", "jobs", "-c", "2"]);

        Assert.Empty(parsed.Errors);
        Assert.Equal(2, parsed.GetValue(line.Concurrency));
    }

    [Fact]
    public async Task ABadSettingIsStillAConfigurationError()
    {
        // 78 (EX_CONFIG), as before: the command line lets the setting through and the configuration refuses it.
        (int code, string output, string error) = await RunAsync(["status", "--TaskGen:WorkerPrefetchMultiplier=many"]);

        Assert.Equal(78, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("Configuration error: TaskGen:WorkerPrefetchMultiplier 'many' is not a whole number.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASettingThatMovedToEachWorkerIsAConfigurationErrorSayingWhereItWent()
    {
        (int code, _, string error) = await RunAsync(["worker", "--TaskGen:WorkerConcurrency=3"]);

        Assert.Equal(78, code);
        Assert.Contains("TaskGen:WorkerConcurrency moved to TaskGen:Workers:<name>:Concurrency (or the worker command's -c)", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync(args, null, output, error, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
