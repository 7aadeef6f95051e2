using System;
using System.Collections.Generic;

namespace TaskGen.Worker;

/// <summary>
/// One worker's settings, as <c>celery worker</c>'s options: what differs between two workers of one app lives here
/// and only here, while the app's <see cref="TaskAppOptions"/> hold what all its workers share.
/// </summary>
public sealed class WorkerOptions
{
    /// <summary>The queues to consume (<c>-Q</c>); empty means the app's default queue.</summary>
    public IList<string> Queues { get; set; } = [];

    /// <summary>How many tasks run at once (<c>-c</c>); at least 1, the number of processors by default.</summary>
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>The node name (<c>-n</c>), <c>name@host</c>; <c>%h</c> stands for the host name. Defaults to <c>celery@%h</c>.</summary>
    public string? NodeName { get; set; }

    /// <summary>
    /// Whether to send task events (<c>task-received</c>, <c>task-started</c>, <c>task-succeeded</c>, <c>task-failed</c>)
    /// for monitors such as <c>celery events</c>, as Celery's <c>-E</c>; worker events (online, heartbeat, offline) are always sent.
    /// </summary>
    public bool SendTaskEvents { get; set; }

    /// <summary>Resolves the node name, expanding <c>%h</c> and adding <c>@host</c> when missing, as Celery does.</summary>
    /// <param name="nodeName">The configured name, or null.</param>
    public static string ResolveNodeName(string? nodeName)
    {
        string host = Environment.MachineName;
        string name = string.IsNullOrWhiteSpace(nodeName) ? "celery@%h" : nodeName;
        name = name.Replace("%h", host, StringComparison.Ordinal);
        return name.Contains('@', StringComparison.Ordinal) ? name : $"{name}@{host}";
    }
}
