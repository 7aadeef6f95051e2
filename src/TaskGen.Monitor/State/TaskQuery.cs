using System;
using System.Collections.Generic;

namespace TaskGen.Monitor.State;

/// <summary>
/// A filter, order and page over the kept tasks, with the filters of Flower's <c>/api/tasks</c> and task list:
/// state, name, worker, received and started ranges, and free text.
/// </summary>
internal sealed class TaskQuery
{
    /// <summary>States to keep (any of them), or empty for all.</summary>
    public IReadOnlyCollection<string> States { get; init; } = [];

    /// <summary>The task name to keep, exactly, or null for all.</summary>
    public string? Name { get; init; }

    /// <summary>The worker (hostname) to keep, or null for all.</summary>
    public string? Worker { get; init; }

    public double? ReceivedStart { get; init; }

    public double? ReceivedEnd { get; init; }

    public double? StartedStart { get; init; }

    public double? StartedEnd { get; init; }

    /// <summary>Text that the id, name, arguments, result, exception or worker must contain (case ignored), or null.</summary>
    public string? Search { get; init; }

    /// <summary>
    /// A field to sort by, Flower's <c>sort_by</c> (<c>name</c>, <c>state</c>, <c>received</c>, <c>started</c>,
    /// <c>runtime</c>, <c>worker</c>, ...), with a leading <c>-</c> for descending; null is newest first.
    /// </summary>
    public string? SortBy { get; init; }

    public int Offset { get; init; }

    public int? Limit { get; init; }

    public bool Matches(TaskRecord task)
    {
        if (States.Count > 0 && !Contains(States, task.State))
        {
            return false;
        }

        // Flower compares names case-insensitively.
        if (Name is not null && !string.Equals(task.Name, Name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Worker is not null && !string.Equals(task.Worker, Worker, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (!Within(task.Received, ReceivedStart, ReceivedEnd) || !Within(task.Started, StartedStart, StartedEnd))
        {
            return false;
        }

        return string.IsNullOrEmpty(Search) || Has(task.Id) || Has(task.Name) || Has(task.Args) || Has(task.Kwargs)
            || Has(task.Result) || Has(task.Exception) || Has(task.Worker) || Has(task.State);
    }

    public int Compare(TaskRecord a, TaskRecord b)
    {
        if (string.IsNullOrEmpty(SortBy))
        {
            int newest = Nullable.Compare(Time(b), Time(a));
            return newest != 0 ? newest : b.Sequence.CompareTo(a.Sequence);
        }

        bool descending = SortBy[0] == '-';
        string field = descending ? SortBy[1..] : SortBy;
        int order = field switch
        {
            "name" => string.CompareOrdinal(a.Name, b.Name),
            "state" => string.CompareOrdinal(a.State, b.State),
            "worker" => string.CompareOrdinal(a.Worker, b.Worker),
            "uuid" => string.CompareOrdinal(a.Id, b.Id),
            "received" => Nullable.Compare(a.Received, b.Received),
            "started" => Nullable.Compare(a.Started, b.Started),
            "succeeded" => Nullable.Compare(a.Succeeded, b.Succeeded),
            "failed" => Nullable.Compare(a.Failed, b.Failed),
            "runtime" => Nullable.Compare(a.Runtime, b.Runtime),
            "retries" => Nullable.Compare(a.Retries, b.Retries),
            "timestamp" => Nullable.Compare(a.Timestamp, b.Timestamp),
            _ => Nullable.Compare(Time(a), Time(b)),
        };
        if (order == 0)
        {
            order = a.Sequence.CompareTo(b.Sequence);
        }

        return descending ? -order : order;
    }

    private static double? Time(TaskRecord task) => task.Timestamp ?? task.Received ?? task.Sent;

    /// <summary>Whether a time is inside a range; a task without that time passes, as in Flower, which filters only on times it has.</summary>
    private static bool Within(double? value, double? start, double? end) =>
        value is not { } v || ((start is null || v >= start) && (end is null || v <= end));

    private static bool Contains(IReadOnlyCollection<string> states, string state)
    {
        foreach (string candidate in states)
        {
            if (string.Equals(candidate, state, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private bool Has(string? text) => text is not null && text.Contains(Search!, StringComparison.OrdinalIgnoreCase);
}
