using System;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>How the task's own code ended, as the timed dispatch step saw it.</summary>
internal enum RunEnd
{
    /// <summary>It returned; its result is on the invocation.</summary>
    Succeeded,

    /// <summary>It threw, timed out or was cut off by shutdown: the caller hears the failure.</summary>
    Failed,

    /// <summary>It asked for a retry (or its policy retries what it threw), and retries remain.</summary>
    Retry,

    /// <summary>Its arguments do not fit its parameters: failed, and its message dead-lettered rather than run again.</summary>
    BadArguments,

    /// <summary>Shutdown cancelled it and the worker requeues such tasks: no answer, another worker runs it again.</summary>
    Requeue,

    /// <summary>Remote control terminated it (<c>revoke</c> with <c>terminate</c>): answered REVOKED.</summary>
    Revoked,
}

/// <summary>What the timed dispatch step hands the outcome step: how the run ended, and what to tell the caller.</summary>
/// <param name="End">How it ended.</param>
/// <param name="Failure">The failure to report, for <see cref="RunEnd.Failed"/> and <see cref="RunEnd.BadArguments"/>.</param>
/// <param name="Traceback">The failure's traceback, when there is one.</param>
/// <param name="Retry">The retry to send, for <see cref="RunEnd.Retry"/>.</param>
internal readonly record struct RunOutcome(RunEnd End, RemoteException? Failure = null, string? Traceback = null, RetryPlan Retry = default)
{
    /// <summary>How long the task's code ran, from its start to its end or abandonment.</summary>
    public TimeSpan Runtime { get; init; }

    /// <summary>The result, for <see cref="RunEnd.Succeeded"/>, with the message already written around it; empty for a task without a result.</summary>
    public ResultBody Result { get; init; }

    /// <summary>Whether the task ran to an end that counts in <c>inspect stats</c> (not refused, not handed back).</summary>
    public bool Counted => End is RunEnd.Succeeded or RunEnd.Failed or RunEnd.Retry;
}
