using System.Collections.Generic;

namespace TaskGen.Monitor.State;

/// <summary>
/// One task as the events have described it so far, with Celery's <c>events.state.Task</c> fields, so the monitor's
/// pages and Flower's API read the same record.
/// </summary>
internal sealed class TaskRecord
{
    /// <summary>How many events a task's timeline keeps; a task retried without end keeps its latest.</summary>
    public const int MaxTimeline = 32;

    public TaskRecord(string id) => Id = id;

    public string Id { get; }

    public string? Name { get; set; }

    public string State { get; set; } = CeleryStates.Pending;

    public double? Sent { get; set; }

    public double? Received { get; set; }

    public double? Started { get; set; }

    public double? Succeeded { get; set; }

    public double? Failed { get; set; }

    public double? Retried { get; set; }

    public double? Revoked { get; set; }

    public double? Rejected { get; set; }

    public string? Args { get; set; }

    public string? Kwargs { get; set; }

    public string? Eta { get; set; }

    public string? Expires { get; set; }

    public int? Retries { get; set; }

    /// <summary>The node that last reported the task (a worker), null while only its sender has.</summary>
    public string? Worker { get; set; }

    /// <summary>The node that sent the task (<c>task-sent</c>'s hostname).</summary>
    public string? Client { get; set; }

    public string? Result { get; set; }

    public string? Exception { get; set; }

    public string? Traceback { get; set; }

    public double? Runtime { get; set; }

    /// <summary>When the event that set the current state happened (the sender's clock, seconds since the epoch).</summary>
    public double? Timestamp { get; set; }

    public string? Exchange { get; set; }

    public string? RoutingKey { get; set; }

    public string? Queue { get; set; }

    public long Clock { get; set; }

    public string? RootId { get; set; }

    public string? ParentId { get; set; }

    /// <summary>The group the task is a member of (<c>task-sent</c>/<c>task-received</c> carry it), or null.</summary>
    public string? Group { get; set; }

    public int? GroupIndex { get; set; }

    /// <summary>The ids of tasks whose <c>parent_id</c> is this task, in the order they were seen.</summary>
    public List<string> Children { get; private set; } = [];

    /// <summary>The latest events, oldest first, at most <see cref="MaxTimeline"/>.</summary>
    public List<TaskEvent> Timeline { get; private set; } = [];

    /// <summary>Where the task's history came from when it was not (only) seen in events: <c>backend</c>.</summary>
    public string? Source { get; set; }

    /// <summary>The record's estimated size in bytes, kept current by the store so its memory stays bounded and measured.</summary>
    public long ApproximateBytes { get; set; }

    /// <summary>The receive order of the task's first event, for a stable sort among equal timestamps.</summary>
    public long Sequence { get; set; }

    internal LinkedListNode<TaskRecord>? Node { get; set; }

    /// <summary>Whether the state is final (Celery's <c>READY_STATES</c>).</summary>
    public bool Ready => CeleryStates.IsReady(State);

    /// <summary>A copy for readers outside the store's lock; its lists are its own, so a later event does not change what a page renders.</summary>
    public TaskRecord Clone()
    {
        var copy = (TaskRecord)MemberwiseClone();
        copy.Node = null;
        copy.Children = [.. Children];
        copy.Timeline = [.. Timeline];
        return copy;
    }
}

/// <summary>One event in a task's timeline.</summary>
/// <param name="Type">The event type, such as <c>task-started</c>.</param>
/// <param name="Timestamp">When the sender says it happened, seconds since the epoch.</param>
/// <param name="Hostname">The node that sent it.</param>
/// <param name="Detail">A short detail (the exception of a failure or retry), or null.</param>
internal sealed record TaskEvent(string Type, double Timestamp, string Hostname, string? Detail);

/// <summary>Celery's task states and their order.</summary>
internal static class CeleryStates
{
    public const string Pending = "PENDING";
    public const string Received = "RECEIVED";
    public const string Started = "STARTED";
    public const string Success = "SUCCESS";
    public const string Failure = "FAILURE";
    public const string Retry = "RETRY";
    public const string Revoked = "REVOKED";
    public const string Rejected = "REJECTED";

    /// <summary>Every state a page filters by, in Flower's order.</summary>
    public static readonly string[] All = [Pending, Received, Started, Success, Failure, Retry, Revoked, Rejected];

    // Celery's celery.states.PRECEDENCE: a lower index happened later; an unknown (custom) state sits where None does.
    private static readonly string?[] s_precedence = [Success, Failure, null, Revoked, Started, Received, Rejected, Retry, Pending];

    public static bool IsReady(string state) => state is Success or Failure or Revoked or Rejected;

    public static int Precedence(string? state)
    {
        int index = System.Array.IndexOf(s_precedence, state);
        return index >= 0 ? index : 2;
    }

    /// <summary>The state a task event type leads to (Celery's <c>TASK_EVENT_TO_STATE</c>), or the upper-cased custom type.</summary>
    public static string FromEvent(string type) => type switch
    {
        "task-sent" => Pending,
        "task-received" => Received,
        "task-started" => Started,
        "task-succeeded" => Success,
        "task-failed" => Failure,
        "task-retried" => Retry,
        "task-revoked" => Revoked,
        "task-rejected" => Rejected,
        _ => type.Length > 5 ? type[5..].ToUpperInvariant() : type.ToUpperInvariant(),
    };
}
