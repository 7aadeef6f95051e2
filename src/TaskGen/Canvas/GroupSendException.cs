using System;
using System.Collections.Generic;

namespace TaskGen;

/// <summary>
/// Raised when a group or a chord was sent only in part: a publish failed after other members had gone out, so no
/// further member was sent. Those that went out still run; the exception names them so the caller can wait for them.
/// </summary>
public sealed class GroupSendException : TaskGenException
{
    internal GroupSendException(string message, string groupId, IReadOnlyList<string> sentTaskIds, IReadOnlyList<AsyncResult> sentResults, Exception innerException)
        : base(message, innerException)
    {
        GroupId = groupId;
        SentTaskIds = sentTaskIds;
        SentResults = sentResults;
    }

    /// <summary>The id of the group or chord, which every member that went out carries in its <c>group</c> header.</summary>
    public string GroupId { get; }

    /// <summary>The task ids of the members the broker confirmed, in member order.</summary>
    public IReadOnlyList<string> SentTaskIds { get; }

    /// <summary>
    /// The results of a group's members that went out, in member order, still watched so they can be awaited; empty for a
    /// chord, whose parts report to the chord's body, not to this app.
    /// </summary>
    public IReadOnlyList<AsyncResult> SentResults { get; }
}
