using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Api;

/// <summary>
/// Flower's task search (its <c>utils/search.py</c> language, written anew): whitespace-separated terms joined by AND,
/// <c>AND</c>/<c>OR</c>, parentheses up to five deep, quoted phrases, and <c>field:value</c> for <c>name state worker
/// args kwargs result</c>. <c>state:</c> is exact, <c>kwargs:key=value</c> matches one keyword argument, every other
/// term is a case-insensitive substring of at least 3 characters. A mistake is a <see cref="FormatException"/> whose
/// message is Flower's, position included, so scripts see the same 400 answer. This file matches; TaskSearch.Parser.cs parses.
/// </summary>
internal sealed partial class TaskSearch
{
    private const int MaxLength = 2048;
    private const int MaxTokens = 128;
    private const int MaxDepth = 5;
    private static readonly string[] s_fields = ["name", "state", "worker", "args", "kwargs", "result"];

    private readonly Node _root;

    private TaskSearch(Node root) => _root = root;

    /// <summary>Parses <paramref name="query"/>; empty matches every task.</summary>
    /// <exception cref="FormatException">The query is not valid; the message is Flower's.</exception>
    public static TaskSearch Parse(string? query)
    {
        string text = (query ?? string.Empty).Trim();
        if (text.Length > MaxLength)
        {
            throw Error($"Query exceeds {MaxLength} characters", null);
        }

        return new TaskSearch(new Parser(Tokenize(text)).Parse());
    }

    /// <summary>Whether the query is empty and so matches every task.</summary>
    public bool MatchesAll => _root is All;

    /// <summary>Whether <paramref name="task"/> matches.</summary>
    public bool Matches(TaskRecord task) => _root.Matches(new Document(task));

    private static FormatException Error(string message, int? position) =>
        new(position is { } at ? $"{message} at position {at}." : $"{message}.");

    /// <summary>Python's <c>str.casefold</c>, near enough for the names, states and reprs searched.</summary>
    private static string Fold(string? value) => value is null ? string.Empty : value.ToLowerInvariant();

    /// <summary>A task's searchable text, folded once per task.</summary>
    private sealed class Document(TaskRecord task)
    {
        private HashSet<string>? _pairs;

        public TaskRecord Task { get; } = task;

        public string Field(string? field) => field switch
        {
            "name" => Fold(Task.Name),
            "state" => Fold(Task.State),
            "worker" => Fold(Task.Worker),
            "args" => Fold(Task.Args),
            "kwargs" => Fold(Task.Kwargs),
            "result" => Fold(Task.Result),
            _ => string.Join('\0', Fold(Task.Id), Fold(Task.Name), Fold(Task.State), Fold(Task.Worker), Fold(Task.Args), Fold(Task.Kwargs), Fold(Task.Result)),
        };

        public HashSet<string> KwargsPairs => _pairs ??= PythonDict.Pairs(Task.Kwargs);
    }

    private abstract class Node
    {
        public abstract bool Matches(Document document);
    }

    private sealed class All : Node
    {
        public override bool Matches(Document document) => true;
    }

    private sealed class AllOf(List<Node> children) : Node
    {
        public override bool Matches(Document document) => children.TrueForAll(child => child.Matches(document));
    }

    private sealed class AnyOf(List<Node> children) : Node
    {
        public override bool Matches(Document document) => children.Exists(child => child.Matches(document));
    }

    private sealed class Term(string? field, string value) : Node
    {
        public override bool Matches(Document document)
        {
            if (field == "state")
            {
                return document.Field("state") == value;
            }

            if (field == "kwargs" && value.IndexOf('=', StringComparison.Ordinal) is var equals and >= 0)
            {
                return document.KwargsPairs.Contains(value[..equals].Trim() + "=" + value[(equals + 1)..].Trim());
            }

            return document.Field(field).Contains(value, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The <c>key=value</c> pairs of a Python dict repr (<c>{'a': 1, 'b': 'x'}</c>), each side as <c>str()</c> gives it and
    /// folded, for <c>kwargs:key=value</c>; a nested value is kept as its text. Anything else gives no pairs.
    /// </summary>
    private static class PythonDict
    {
        public static HashSet<string> Pairs(string? repr)
        {
            var pairs = new HashSet<string>(StringComparer.Ordinal);
            if (repr is null)
            {
                return pairs;
            }

            string text = repr.Trim();
            if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
            {
                return pairs;
            }

            int index = 1;
            while (index < text.Length - 1)
            {
                string? key = Value(text, ref index, ':');
                if (key is null || index >= text.Length || text[index] != ':')
                {
                    return pairs;
                }

                index++;
                string? value = Value(text, ref index, ',');
                if (value is null)
                {
                    return pairs;
                }

                pairs.Add(Fold(key) + "=" + Fold(value));
                if (index < text.Length && text[index] == ',')
                {
                    index++;
                }
            }

            return pairs;
        }

        /// <summary>Reads a literal up to <paramref name="stop"/> or the closing brace at depth zero: a quoted string unquoted, anything else as written.</summary>
        private static string? Value(string text, ref int index, char stop)
        {
            while (index < text.Length && char.IsWhiteSpace(text[index]))
            {
                index++;
            }

            if (index < text.Length && text[index] is '\'' or '"')
            {
                char quote = text[index++];
                var value = new StringBuilder();
                while (index < text.Length && text[index] != quote)
                {
                    if (text[index] == '\\' && index + 1 < text.Length)
                    {
                        index++;
                    }

                    value.Append(text[index++]);
                }

                if (index >= text.Length)
                {
                    return null;
                }

                index++;
                while (index < text.Length && char.IsWhiteSpace(text[index]))
                {
                    index++;
                }

                return value.ToString();
            }

            int start = index, depth = 0;
            char? inString = null;
            for (; index < text.Length; index++)
            {
                char c = text[index];
                if (inString is { } q)
                {
                    if (c == '\\')
                    {
                        index++;
                    }
                    else if (c == q)
                    {
                        inString = null;
                    }

                    continue;
                }

                if (c is '\'' or '"')
                {
                    inString = c;
                }
                else if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' || (c == '}' && depth > 0))
                {
                    depth--;
                }
                else if (depth == 0 && (c == stop || c == '}'))
                {
                    break;
                }
            }

            return index > start ? text[start..index].Trim() : null;
        }
    }
}

/// <summary>
/// The filters, order and paging of Flower's <c>/api/tasks</c>: exact, case-insensitive name, worker and state; time
/// ranges that let a task without the time through; newest state change first unless <c>sort_by</c> says otherwise.
/// </summary>
internal static class FlowerTaskList
{
    /// <summary>The fields Flower sorts by.</summary>
    public static readonly string[] SortKeys = ["name", "state", "received", "started"];

    /// <summary>Whether <paramref name="task"/> passes Flower's filters.</summary>
    public static bool Matches(TaskRecord task, string? name, string? worker, double? receivedStart, double? receivedEnd, double? startedStart, double? startedEnd, TaskSearch search)
    {
        if (name is not null && !string.Equals(task.Name, name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (worker is not null && !string.Equals(task.Worker, worker, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Flower lets a task through a range when it has no such time yet (a task only sent is in every received range).
        if ((task.Received is { } received && ((receivedStart is { } rs && received < rs) || (receivedEnd is { } re && received > re)))
            || (task.Started is { } started && ((startedStart is { } ss && started < ss) || (startedEnd is { } se && started > se))))
        {
            return false;
        }

        return search.Matches(task);
    }

    /// <summary>Sorts as Flower: by <c>sort_by</c> with tasks lacking the field first (last when descending), ties by id; else newest first.</summary>
    public static void Sort(List<TaskRecord> tasks, string? sortBy)
    {
        if (string.IsNullOrEmpty(sortBy))
        {
            tasks.Sort((a, b) =>
            {
                int order = (b.Timestamp ?? 0).CompareTo(a.Timestamp ?? 0);
                return order != 0 ? order : string.CompareOrdinal(b.Id, a.Id);
            });
            return;
        }

        bool descending = sortBy[0] == '-';
        string field = sortBy.TrimStart('-');
        tasks.Sort((a, b) =>
        {
            int order = field switch
            {
                "received" => Nullable.Compare(a.Received, b.Received),
                "started" => Nullable.Compare(a.Started, b.Started),
                "name" => CompareFolded(a.Name, b.Name),
                _ => CompareFolded(a.State, b.State),
            };
            order = order != 0 ? order : string.CompareOrdinal(a.Id, b.Id);
            return descending ? -order : order;
        });
    }

    /// <summary>Parses Flower's <c>%Y-%m-%d %H:%M</c> time in the monitor host's time zone, as Flower's <c>time.mktime</c> does.</summary>
    public static bool TryParseTime(string? text, out double? seconds)
    {
        seconds = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out DateTime local))
        {
            return false;
        }

        seconds = new DateTimeOffset(local).ToUnixTimeSeconds();
        return true;
    }

    private static int CompareFolded(string? a, string? b) =>
        a is null ? (b is null ? 0 : -1) : b is null ? 1 : string.CompareOrdinal(a.ToLowerInvariant(), b.ToLowerInvariant());
}
