using System;
using TaskGen.Protocol;

namespace TaskGen.Results;

/// <summary>Something waiting for result messages of one task id: a single result, or a broadcast's many.</summary>
internal interface IResultSink
{
    /// <summary>The task id the sink waits for.</summary>
    string Id { get; }

    /// <summary>
    /// Whether the sink collects one reply per worker (a broadcast) rather than the task's state: a backend that
    /// stores by id keeps those replies apart, by worker, instead of under the task's one key.
    /// </summary>
    bool CollectsReplies => false;

    /// <summary>Takes one result message and says whether the sink wants no more.</summary>
    bool OnResult(ResultMessage message);

    /// <summary>Fails the sink because the task could not be sent.</summary>
    void OnSendFailed(Exception exception);
}
