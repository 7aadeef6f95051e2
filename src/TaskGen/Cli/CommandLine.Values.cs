using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;

namespace TaskGen.Cli;

// The value forms the commands share, each parsed and checked while parsing so a typo fails before any broker is reached.
internal sealed partial class CommandLine
{
    /// <summary>The names a list option (<c>-Q</c>, <c>-d</c>) was given, or null when it was not.</summary>
    public static string[]? Names(ParseResult parsed, Option<string[]?> option) =>
        parsed.GetValue(option) is { Length: > 0 } names ? names : null;

    private static int? ParseWholeNumber(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        string text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1)
        {
            return value;
        }

        result.AddError(Expects(result, text));
        return null;
    }

    private static double ParseSeconds(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            // The parser itself reports an option written without its value.
            return 0;
        }

        string text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && value > 0 && value <= MaxTimeoutSeconds)
        {
            return value;
        }

        result.AddError(Expects(result, text));
        return 0;
    }

    private static LogLevel ParseLogLevel(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? "warning" : result.Tokens[0].Value;
        try
        {
            return CeleryConsoleLoggerProvider.ParseLevel(text);
        }
        catch (ArgumentException)
        {
            result.AddError(Expects(result, text));
            return LogLevel.Warning;
        }
    }

    private static string[]? ParseList(ArgumentResult result)
    {
        // "-Q a,b -Q c" and "-Q a,b,c" mean the same; an empty list is a mistake, not "all queues".
        string[] names = result.Tokens
            .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (names.Length == 0)
        {
            result.AddError(Expects(result, string.Join(",", result.Tokens.Select(t => t.Value))));
            return null;
        }

        return names;
    }

    private static void CheckJson(SymbolResult result, JsonValueKind kind, string what, string form)
    {
        if (result.Tokens.Count == 0 || string.IsNullOrWhiteSpace(result.Tokens[0].Value))
        {
            return;
        }

        string text = result.Tokens[0].Value;
        string? why;
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            why = document.RootElement.ValueKind == kind ? null : $"got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
        }
        catch (JsonException ex)
        {
            why = ex.Message;
        }

        if (why is not null)
        {
            result.AddError($"{what} expects {form}, not '{LogText.Escape(text)}': {why}.");
        }
    }

    private static string? ParseName(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        // An empty name would mean the default exchange or a broker-chosen queue, never what was meant.
        string text = result.Tokens[0].Value;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() != text)
        {
            result.AddError(Expects(result, text));
            return null;
        }

        return text;
    }

    private Argument<string> TaskIdArgument(string description, string? missing)
    {
        var argument = new Argument<string>("task id") { Description = description };
        argument.Validators.Add(static result =>
        {
            if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
            {
                result.AddError("deadletters needs a task id, not an empty one.");
            }
        });
        if (missing is not null)
        {
            _missing[argument] = missing;
        }

        return argument;
    }

    private static string? ParseElection(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        // The names a scheduler can be elected through; whether this app can hold the one named is checked with the app.
        string text = result.Tokens[0].Value;
        if (text is "broker" or "redis")
        {
            return text;
        }

        result.AddError(Expects(result, text));
        return null;
    }

    private static Option<string?> SchedulerNameOption() =>
        new("--scheduler-name")
        {
            Description = "The schedule's name: processes with the same name elect one sender; TaskGen:Scheduler:Name (celery) when omitted.",
            HelpName = "name",
            CustomParser = ParseName,
        };

    private static Option<string?> ElectionOption() =>
        new("--election")
        {
            Description = "Where the sender is elected: broker, or redis when that is the result backend; TaskGen:Scheduler:Election (broker) when omitted.",
            HelpName = "broker|redis",
            CustomParser = ParseElection,
        };

    private static Option<string[]?> QueueListOption(string description) =>
        new("--queues", "-Q") { Description = description, HelpName = "queue1,queue2", CustomParser = ParseList };

    private static Option<string[]?> DestinationOption() =>
        new("--destination", "-d") { Description = "Ask only these nodes; every node when omitted.", HelpName = "node1,node2", CustomParser = ParseList };

    private static Option<double> TimeoutOption(double seconds, string description) =>
        new("--timeout", "-t")
        {
            Description = $"{description} In seconds, at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}.",
            HelpName = "seconds",
            DefaultValueFactory = _ => seconds,
            CustomParser = ParseSeconds,
        };
}
