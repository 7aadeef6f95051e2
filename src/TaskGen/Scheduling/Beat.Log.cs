using System;
using Microsoft.Extensions.Logging;

namespace TaskGen.Scheduling;

/// <summary>The scheduler's log lines, kept apart from its loop.</summary>
public sealed partial class Beat
{
    [LoggerMessage(Level = LogLevel.Information, Message = "beat: this node leads schedule {Schedule} (epoch {Epoch}) after waiting the fence, elected through {Election}.")]
    private static partial void LogTermStarted(ILogger logger, string schedule, long epoch, string election);

    [LoggerMessage(Level = LogLevel.Information, Message = "beat: this node no longer leads schedule {Schedule} (epoch {Epoch}): {Reason}.")]
    private static partial void LogTermEnded(ILogger logger, string schedule, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: the term of schedule {Schedule} (epoch {Epoch}) failed; it ends and the scheduler stands for election again.")]
    private static partial void LogTermFailed(ILogger logger, Exception exception, string schedule, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: the election of schedule {Schedule} through {Election} failed; trying again in {Seconds} s: {Reason}")]
    private static partial void LogElectionFailed(ILogger logger, string schedule, string election, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: Sending due task {Entry} ({TaskName}) id {TaskId} for {Tick}")]
    private static partial void LogSending(ILogger logger, string entry, string taskName, string taskId, string tick);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: entry {Entry} missed {Missed} run(s) from {First} to {Last}; under misfire policy {Policy} {Sent} of them are sent.")]
    private static partial void LogMissed(ILogger logger, string entry, long missed, string first, string last, MisfirePolicy policy, long sent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: entry {Entry} skips its {Dropped} oldest missed run(s): one catch-up sends at most the latest {Cap}.")]
    private static partial void LogCatchUpCapped(ILogger logger, string entry, long dropped, int cap);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: the run {TaskId} of entry {Entry} could not be sent; it stays pending and is tried again in {Seconds} s: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string entry, string taskId, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "beat: the run {TaskId} of entry {Entry} was sent but could not be recorded: {Reason}")]
    private static partial void LogRecordFailed(ILogger logger, string entry, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "beat: the run {TaskId} of entry {Entry} reached the broker although its publish failed; it is not sent again.")]
    private static partial void LogAlreadySent(ILogger logger, string entry, string taskId);
}
