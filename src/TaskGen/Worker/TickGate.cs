using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Scheduling;

namespace TaskGen.Worker;

/// <summary>
/// The step after the gate for schedule ticks: a message carrying the <c>taskgen_tick</c> header is claimed in the
/// result backend before it runs, and a second message of a tick already claimed is acknowledged without running, so
/// that a tick sent twice (a failover's overlap, a republished message) runs once. Without a backend that can claim
/// (<c>rpc://</c>, <c>none</c>) every tick runs, as any task does.
/// </summary>
internal sealed partial class TickGate(ITickClaims? claims, ILogger logger)
{
    /// <summary>Whether <paramref name="run"/> may go on; false when it is a tick that ran before and was refused here.</summary>
    public async ValueTask<bool> AdmitAsync(TaskRunContext run)
    {
        // A retry is the same run sent again by the worker that claimed it, under the same id and headers: it is not a
        // second send of the tick, so it is not claimed again.
        if (claims is null || run.Request.Retries > 0 || TaskMessageCodec.HeaderString(run.Request.Headers, BeatTicks.Header) is not { Length: > 0 } tick)
        {
            return true;
        }

        string id = run.Request.Id;
        bool first;
        try
        {
            first = await claims.ClaimAsync(id, tick, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A backend that is away would hold every tick; a tick that runs twice is the lesser harm, and says so.
            LogClaimFailed(logger, LogText.Escape(id), LogText.Escape(tick), LogText.Escape(ex.Message));
            return true;
        }

        if (first)
        {
            return true;
        }

        // The broker hands this very message out again only when a worker took it and never settled it: the claim may be
        // that worker's own, cut off mid-run, so the redelivery runs as any unfinished task would.
        if (run.Delivery.Redelivered)
        {
            LogRedeliveredTick(logger, LogText.Escape(id), LogText.Escape(tick));
            return true;
        }

        LogDuplicateTick(logger, LogText.Escape(id), LogText.Escape(run.Request.Name), LogText.Escape(Entry(tick)));
        return false;
    }

    // The tick time never holds '|', an entry's name may (BeatTicks.HeaderValue); read here without the scheduler's types.
    private static string Entry(string tick) => tick.LastIndexOf('|') is > 0 and int bar ? tick[..bar] : tick;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}): duplicate tick refused; entry {Entry} already ran this tick, so the message is acknowledged without running.")]
    private static partial void LogDuplicateTick(ILogger logger, string taskId, string taskName, string entry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}, tick {Tick}, was claimed before but comes back redelivered: it runs, as the claim may be that of a run cut off.")]
    private static partial void LogRedeliveredTick(ILogger logger, string taskId, string tick);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}, tick {Tick}, could not be claimed in the result backend, so it runs unchecked for a duplicate: {Reason}")]
    private static partial void LogClaimFailed(ILogger logger, string taskId, string tick, string reason);
}
