using System;
using Microsoft.Extensions.Logging;

namespace TaskGen.Scheduling;

/// <summary>The broker election's log lines.</summary>
internal sealed partial class RabbitMqBeatElection
{
    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Leading the schedule on {Queue}: term {Epoch} since {Since:O}")]
    private static partial void LogTermBegun(ILogger logger, string queue, long epoch, DateTimeOffset since);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Information, Message = "No longer a candidate to lead the schedule on {Queue}: {Reason}")]
    private static partial void LogCandidacyEnded(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "The scheduler could not ping {Queue}: {Reason}")]
    private static partial void LogPingFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Warning, Message = "The leader record in {Queue} could not be read or written, so this term has no epoch: {Reason}")]
    private static partial void LogEpochUnknown(ILogger logger, string queue, string reason);
}
