using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using TaskGen.Diagnostics;

namespace TaskGen.Cli;

// The usage errors: one line each, naming what is at fault and the form it expects.
internal sealed partial class CommandLine
{
    /// <summary>
    /// Writes one line per usage error in <paramref name="result"/>, each naming the option, argument or command
    /// at fault and what it expects, then where to read the command's help.
    /// </summary>
    public void WriteErrors(ParseResult result, TextWriter error)
    {
        var messages = new List<string>();
        foreach (ParseError parseError in result.Errors)
        {
            switch (parseError.SymbolResult)
            {
                case OptionResult option:
                    messages.Add(OptionMessage(option, parseError.Message));
                    break;
                case ArgumentResult { Tokens.Count: 0 } argument when _missing.TryGetValue(argument.Argument, out string? missing):
                    messages.Add(missing);
                    break;
                case ArgumentResult:
                    messages.Add(parseError.Message);
                    break;
                default:
                    // Unrecognized tokens and a missing command are reported below, in words that say which.
                    break;
            }
        }

        Command command = result.CommandResult.Command;
        string path = PathOf(result.CommandResult);
        int commandAt = IndexOfCommand(result, command);
        var seen = new HashSet<int>();
        foreach (string token in result.UnmatchedTokens)
        {
            // An unknown token written before the command belongs to the program, not to the command.
            int at = IndexOfToken(result, token, seen);
            messages.Add(UnmatchedMessage(command, path, token, before: at >= 0 && at < commandAt));
        }

        if (messages.Count == 0 && command == Root)
        {
            messages.Add($"No command given: use {CommandList()}.");
        }
        else if (messages.Count == 0 && command.Subcommands.Count > 0)
        {
            messages.Add($"{path} needs a command: {CommandList(command)}.");
        }

        if (messages.Count == 0)
        {
            messages.AddRange(result.Errors.Select(e => e.Message));
        }

        foreach (string message in messages.Distinct(StringComparer.Ordinal))
        {
            error.WriteLine(message);
        }

        error.WriteLine(command == Root
            ? $"Run '{Root.Name} --help' for the commands and options."
            : $"Run '{Root.Name} {path} --help' for its arguments and options.");
    }

    private string UnmatchedMessage(Command command, string path, string token, bool before)
    {
        // A mistyped option leaves its value unmatched, and that value may be a broker URL with its password.
        string shown = LogText.Escape(token.Contains("://", StringComparison.Ordinal) ? TaskGen.Transport.BrokerUrls.Redact(token) : token);
        if (IsOptionLike(token))
        {
            if (before && command.Options.Any(o => o.Name == token || o.Aliases.Contains(token)))
            {
                return $"Option {shown} goes after the command: {path} {shown} ...";
            }

            return command == Root || before ? $"Unknown option '{shown}'." : $"Unknown option '{shown}' for {path}.";
        }

        if (before)
        {
            return $"Unexpected argument '{shown}' before {path}.";
        }

        return command == Root
            ? $"Unknown command '{shown}': use {CommandList()}."
            : command.Subcommands.Count > 0
                ? $"Unknown command '{shown}' for {path}: use {CommandList(command)}."
                : $"Unexpected argument '{shown}' for {path}.";
    }

    /// <summary>The command as typed after the program name (<c>deadletters list</c>), for messages and help pointers.</summary>
    private static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is CommandResult { Command: not RootCommand } command; at = at.Parent)
        {
            names.Insert(0, command.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static int IndexOfCommand(ParseResult result, Command command)
    {
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            if (result.Tokens[i].Type == TokenType.Command && result.Tokens[i].Value == command.Name)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOfToken(ParseResult result, string value, HashSet<int> seen)
    {
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            if (result.Tokens[i].Value == value && result.Tokens[i].Type != TokenType.Command && seen.Add(i))
            {
                return i;
            }
        }

        return -1;
    }

    private bool IsCommand(string name) => Root.Subcommands.Any(c => c.Name == name);

    private string CommandList() => CommandList(Root);

    private static string CommandList(Command parent)
    {
        string[] names = parent.Subcommands.Select(c => c.Name).ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    private static string OptionMessage(OptionResult option, string parserMessage)
    {
        string named = Named(option);
        if (option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
        {
            return $"Option {named} needs a value: {s_forms.GetValueOrDefault(option.Option.Name, "see --help")}.";
        }

        if (option.Tokens.Count > option.Option.Arity.MaximumNumberOfValues)
        {
            return $"Option {named} is given more than once; give it once.";
        }

        // The option's own parser or validator wrote this message, naming the option and its form.
        return parserMessage;
    }

    /// <summary>The option as the user wrote it, with its long name when they used an alias (<c>-c/--concurrency</c>).</summary>
    private static string Named(OptionResult option)
    {
        string name = option.Option.Name;
        string written = option.IdentifierToken?.Value ?? name;
        return written == name ? name : $"{written}/{name}";
    }

    private static bool IsOptionLike(string token) =>
        token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]) && token[1] != '.';

    private static string Expects(ArgumentResult result, string value) =>
        $"Option {Named((OptionResult)result.Parent!)} expects {s_forms[((OptionResult)result.Parent!).Option.Name]}, not '{LogText.Escape(value)}'.";
}
