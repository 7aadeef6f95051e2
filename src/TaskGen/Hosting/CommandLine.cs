using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Control;
using TaskGen.Serialization;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>The parsed command line of a TaskGen program: the command, its arguments and its options.</summary>
internal sealed class CommandLine
{
    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["-Q"] = "--queues",
        ["-c"] = "--concurrency",
        ["-n"] = "--hostname",
        ["-b"] = "--broker",
        ["-l"] = "--loglevel",
        ["-t"] = "--timeout",
        ["-d"] = "--destination",
        ["-f"] = "--force",
        ["-E"] = "--task-events",
    };

    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "--force", "--json", "--task-events" };

    /// <summary>The longest reply or result wait the command line accepts, in seconds (one day).</summary>
    public const double MaxTimeoutSeconds = 86_400;

    /// <summary>The options that take a number, with the form their value must have and how it is checked.</summary>
    private static readonly Dictionary<string, (string Form, Func<string, bool> IsValid)> s_numeric = new(StringComparer.Ordinal)
    {
        ["--concurrency"] = ("a whole number of at least 1 (e.g. -c 8)", static text => TryWholeNumber(text, out _)),
        ["--timeout"] = ($"a number of seconds greater than 0 and at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (e.g. -t 2.5)", static text => TrySeconds(text, out _)),
    };

    private CommandLine(string? command, List<string> arguments, Dictionary<string, string> options)
    {
        Command = command;
        Arguments = arguments;
        Options = options;
    }

    public string? Command { get; }

    public List<string> Arguments { get; }

    public Dictionary<string, string> Options { get; }

    public const string Usage = """
        Usage: <program> [--broker URL] [--loglevel LEVEL] <command> [options]

        Commands:
          worker [-Q queue1,queue2] [-c concurrency] [-n name@host] [-E]
                                                                     consume queues and run tasks (-E: send task events)
          call <task> ['<json args>'] [--kwargs '<json>'] [-Q queue] [-t seconds]
                                                                     send a task by name and print its result
          status [-t seconds] [-d node1,node2]                       list the workers that answer a ping
          inspect ping|registered|active|stats|active_queues [-t seconds] [-d nodes] [--json]
                                                                     ask workers about themselves
          revoke <task id> [<task id> ...]                           tell workers not to run these tasks
          purge [-Q queue1,queue2]                                   delete every waiting message from task queues
          help                                                       show this text

        Options come from appsettings.json (section TaskGen), then environment variables (TaskGen__BrokerUrl,
        TaskGen__WorkerConcurrency, ...), then the command line.
        """;

    public static CommandLine Parse(string[] args)
    {
        string? command = null;
        var arguments = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.StartsWith('-') && arg.Length > 1 && !char.IsDigit(arg[1]) && arg != "-")
            {
                string key = arg;
                string? value = null;
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    key = arg[..eq];
                    value = arg[(eq + 1)..];
                }

                key = s_aliases.GetValueOrDefault(key, key);
                if (key is "--help" or "-h" || s_flags.Contains(key))
                {
                    options[key is "-h" ? "--help" : key] = value ?? "true";
                    continue;
                }

                if (value is null)
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new ArgumentException($"Option {arg} needs a value.");
                    }

                    value = args[++i];
                }

                if (s_numeric.TryGetValue(key, out (string Form, Func<string, bool> IsValid) numeric) && !numeric.IsValid(value))
                {
                    string written = eq > 0 ? arg[..eq] : arg;
                    string named = written == key ? key : $"{written}/{key}";
                    throw new ArgumentException($"Option {named} expects {numeric.Form}, not '{Diagnostics.LogText.Escape(value)}'.");
                }

                options[key] = value;
            }
            else if (command is null)
            {
                command = arg;
            }
            else
            {
                arguments.Add(arg);
            }
        }

        return new CommandLine(command, arguments, options);
    }

    public string? Option(string name) => Options.GetValueOrDefault(name);

    /// <summary>The value of a whole-number option (checked when the line was parsed), or null when it is not given.</summary>
    public int? WholeNumber(string name) => Option(name) is { } text && TryWholeNumber(text, out int value) ? value : null;

    /// <summary>The value of a seconds option (checked when the line was parsed), or <paramref name="defaultSeconds"/>.</summary>
    public TimeSpan Seconds(string name, double defaultSeconds) =>
        TimeSpan.FromSeconds(Option(name) is { } text && TrySeconds(text, out double value) ? value : defaultSeconds);

    private static bool TryWholeNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;

    private static bool TrySeconds(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && value > 0 && value <= MaxTimeoutSeconds;
}
