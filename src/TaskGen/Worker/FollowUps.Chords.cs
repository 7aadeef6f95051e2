using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Worker;

/// <content>
/// The chord half of <see cref="FollowUps"/>: counting a finished header part in the result backend's group store, and
/// starting the body when the last part is in, or failing it with Celery's <c>ChordError</c>.
/// </content>
internal sealed partial class FollowUps
{
    // A chord's keys are tried this many times more, the pause doubling from the first: a blip of the result backend
    // passes, while a backend that stays down fails the body soon instead of holding the worker.
    private const int JoinRetries = 3;

    private static readonly TimeSpan DefaultJoinPause = TimeSpan.FromMilliseconds(200);

    // Counts a chord part that never ran (a chain step after a failure, a step that could not be sent) as failed.
    private async ValueTask FailedPartAsync(string id, string name, string? groupId, int? groupIndex, string chordJson, string parentId, RemoteException remote)
    {
        JsonObject embed;
        try
        {
            embed = new JsonObject { ["chord"] = JsonNode.Parse(chordJson) };
        }
        catch (JsonException ex)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(id), LogText.Escape(name), LogText.Escape(ex.Message));
            return;
        }

        var part = new TaskRequest { Id = id, Name = name, Group = groupId, GroupIndex = groupIndex, RootId = parentId };
        await ChordPartAsync(part, embed, TaskState.Failure, ResultCodec.EncodeException(remote)).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts one chord part (Celery's <c>on_chord_part_return</c>) through the result backend's group store; the part that
    /// completes the chord starts the body with every part's result in <c>group_index</c> order, or fails it with
    /// Celery's <c>ChordError</c> when a part failed.
    /// </summary>
    private async ValueTask ChordPartAsync(TaskRequest request, JsonObject embed, TaskState state, ReadOnlyMemory<byte> resultJson)
    {
        JsonNode? body = embed["chord"];
        if (body is null)
        {
            return;
        }

        string? groupId = request.Group;
        string bodyId = LogText.Escape(CanvasDispatch.TaskId(body) ?? "(none)");
        if (groupId is null)
        {
            // Celery does nothing for a chord part without a group; it cannot be counted, so the body would never run.
            LogChordPartWithoutGroup(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), bodyId);
            return;
        }

        if (groups is null)
        {
            LogChordNeedsRedis(logger, LogText.Escape(request.Id), LogText.Escape(groupId), bodyId);
            return;
        }

        if (body is not JsonObject)
        {
            LogChordBodyUnreadable(logger, LogText.Escape(groupId), LogText.Escape(request.Id), "the body is not a signature object");
            return;
        }

        ChordPartReturn returned;
        try
        {
            returned = await JoinRetriedAsync(() => groups.OnChordPartReturnAsync(groupId, request.Id, request.GroupIndex, request.CarriedChordSize, state, resultJson, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogChordPartNotCounted(logger, ex, LogText.Escape(request.Id), LogText.Escape(groupId), bodyId);
            await FailBodyAsync(request, groupId, body, JoinError(ex)).ConfigureAwait(false);
            return;
        }

        string? broken = returned.Outcome switch
        {
            ChordPartOutcome.IndexOutOfRange when request.GroupIndex is { } index && (index < 0 || index >= returned.Total) =>
                $"Chord part {request.Id} has group_index {index}, outside the chord's {returned.Total} parts.",
            ChordPartOutcome.IndexOutOfRange =>
                $"A part of chord {groupId} has a group_index outside the chord's {returned.Total} parts.",
            ChordPartOutcome.SizeExceeded =>
                $"Chord {groupId} received {returned.Ready} parts, more than its size of {returned.Total}{(returned.SizeFromMessage ? " carried by its messages" : string.Empty)}.",
            ChordPartOutcome.SizeConflict =>
                $"Chord part {request.Id} carries a chord size of {request.CarriedChordSize}, but the result backend holds a different size for chord {groupId}.",
            _ => null,
        };
        if (broken is not null)
        {
            // The store ended the chord in the same step, so no later part can start the body this failure reports.
            LogChordBroken(logger, LogText.Escape(groupId), LogText.Escape(request.Id), bodyId, LogText.Escape(broken));
            await FailBodyAsync(request, groupId, body, new RemoteException("ChordError", broken, "celery.exceptions")).ConfigureAwait(false);
            return;
        }

        if (returned.Outcome == ChordPartOutcome.AlreadyEnded)
        {
            LogChordAlreadyEnded(logger, LogText.Escape(groupId), LogText.Escape(request.Id), bodyId);
            return;
        }

        if (returned.Outcome == ChordPartOutcome.WaitingForSize)
        {
            // Celery waits too: its messages carry no size, so a missing key may be one not set yet or one that expired.
            LogChordWaitsForSize(logger, LogText.Escape(groupId), LogText.Escape(request.Id), returned.Ready);
            return;
        }

        if (returned.Parts is not { } parts)
        {
            LogChordPartCounted(logger, LogText.Escape(request.Id), LogText.Escape(groupId), returned.Ready, returned.Total);
            return;
        }

        if (returned.SizeFromMessage)
        {
            LogChordJoinedByCarriedSize(logger, LogText.Escape(groupId), returned.Total ?? parts.Count);
        }

        foreach (ChordPart part in parts)
        {
            if (part.State is TaskState.Failure or TaskState.Revoked)
            {
                string message = $"Dependency {part.TaskId} raised {ChordErrors.Repr(part.ResultJson.Span)}";
                LogChordDependencyFailed(logger, LogText.Escape(groupId), bodyId, LogText.Escape(message));
                await FailBodyAsync(request, groupId, body, new RemoteException("ChordError", message, "celery.exceptions")).ConfigureAwait(false);
                return;
            }
        }

        var results = new StringBuilder("[");
        for (int i = 0; i < parts.Count; i++)
        {
            results.Append(i == 0 ? string.Empty : ", ").Append(parts[i].ResultJson.IsEmpty ? "null" : Encoding.UTF8.GetString(parts[i].ResultJson.Span));
        }

        List<CanvasDispatch.Step> steps;
        try
        {
            steps = CanvasDispatch.Start(body, results.Append(']').ToString(), OriginOf(request));
        }
        catch (FormatException ex)
        {
            LogChordBodyUnreadable(logger, LogText.Escape(groupId), LogText.Escape(request.Id), LogText.Escape(ex.Message));
            await FailBodyAsync(request, groupId, body, new RemoteException("ChordError", $"The chord body could not be started: {ex.Message}", "celery.exceptions")).ConfigureAwait(false);
            return;
        }

        LogChordJoined(logger, LogText.Escape(groupId), parts.Count, bodyId);
        await RunAsync(steps, request.Id).ConfigureAwait(false);
    }

    /// <summary>Stores FAILURE for a chord's body and sends its errbacks, as Celery's <c>chord_error_from_stack</c> does.</summary>
    private async ValueTask FailBodyAsync(TaskRequest request, string groupId, JsonNode body, RemoteException remote)
    {
        if (CanvasDispatch.TaskId(body) is not { } bodyId)
        {
            LogChordBodyWithoutId(logger, LogText.Escape(groupId), LogText.Escape(remote.Message));
            return;
        }

        string? replyTo = body is JsonObject sig && sig["options"] is JsonObject options && options["reply_to"] is JsonValue r && r.TryGetValue(out string? text) ? text : null;
        if (answers.ResultAddress(replyTo) is { } address)
        {
            await answers.AnswerAsync(bodyId, address, TaskState.Failure, ResultCodec.EncodeException(remote), null).ConfigureAwait(false);
        }

        await SendErrbacksAsync(bodyId, CanvasDispatch.ErrorCallbacks(body), new CanvasDispatch.Origin(request.Id, request.RootId ?? request.Id, origin)).ConfigureAwait(false);
    }

    // Tries an operation on a chord's keys again after a short, doubling pause; the last failure is the caller's.
    private async ValueTask<T> JoinRetriedAsync<T>(Func<ValueTask<T>> operation)
    {
        TimeSpan pause = joinPause ?? DefaultJoinPause;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < JoinRetries)
            {
                LogJoinRetry(logger, ex, attempt + 1, pause.TotalMilliseconds);
            }

            await Task.Delay(pause).ConfigureAwait(false);
            pause *= 2;
        }
    }

    // Celery's wording for a chord whose keys failed ("Join error: ..."); addresses and passwords a client puts in its
    // messages stay out of a result every caller can read.
    private static RemoteException JoinError(Exception ex)
    {
        string message = Regex.Replace(ex.Message, @"[A-Za-z][A-Za-z0-9+.\-]*://\S+", "<url>");
        message = Regex.Replace(message, @"(password|pwd)\s*=\s*[^,;\s]*", "$1=***", RegexOptions.IgnoreCase);
        return new RemoteException("ChordError", "Join error: " + message, "celery.exceptions");
    }

    // The chord body an unsent step's embed carries, as JSON text, or null; the embed is this worker's own writing.
    private static string? ChordOf(ReadOnlyMemory<byte> embed) =>
        !embed.IsEmpty && JsonNode.Parse(embed.Span) is JsonObject parsed && parsed["chord"] is JsonObject chord ? chord.ToJsonString() : null;

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}) is a chord part without a group header, so it cannot be counted and the chord body {BodyId} will not run; the producer must send chord parts with their group id.")]
    private static partial void LogChordPartWithoutGroup(ILogger logger, string taskId, string taskName, string bodyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} is a part of chord {GroupId}, but this worker's result backend keeps no chord counters, so the body {BodyId} will not run: chords need a redis:// result backend, as Celery's do.")]
    private static partial void LogChordNeedsRedis(ILogger logger, string taskId, string groupId, string bodyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chord {GroupId}: the body carried by part {TaskId} cannot be started: {Reason}")]
    private static partial void LogChordBodyUnreadable(ILogger logger, string groupId, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chord {GroupId}: part {TaskId} could not be counted in the result backend, so the body {BodyId} fails with a join error.")]
    private static partial void LogChordPartNotCounted(ILogger logger, Exception exception, string taskId, string groupId, string bodyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chord {GroupId}: part {TaskId} ended the chord, so the body {BodyId} fails and no later part starts it: {Reason}")]
    private static partial void LogChordBroken(ILogger logger, string groupId, string taskId, string bodyId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chord {GroupId}: part {TaskId} returned after the chord was ended by an earlier part; the body {BodyId} has already failed.")]
    private static partial void LogChordAlreadyEnded(ILogger logger, string groupId, string taskId, string bodyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chord {GroupId}: part {TaskId} counted ({Ready} in), but the chord waits for its size key, which is not set yet or has expired; its messages carry no size to count by.")]
    private static partial void LogChordWaitsForSize(ILogger logger, string groupId, string taskId, int ready);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chord {GroupId}: its size key was missing, so the chord joined by the size of {Size} its messages carried.")]
    private static partial void LogChordJoinedByCarriedSize(ILogger logger, string groupId, int size);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chord {GroupId}: part {TaskId} counted, {Ready} of {Total} in.")]
    private static partial void LogChordPartCounted(ILogger logger, string taskId, string groupId, int ready, int? total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chord {GroupId}: the body {BodyId} fails: {Reason}")]
    private static partial void LogChordDependencyFailed(ILogger logger, string groupId, string bodyId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chord {GroupId}: the body has no task id, so its failure cannot be stored: {Reason}")]
    private static partial void LogChordBodyWithoutId(ILogger logger, string groupId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chord {GroupId}: all {Count} parts are in; starting the body {BodyId}.")]
    private static partial void LogChordJoined(ILogger logger, string groupId, int count, string bodyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chord {GroupId}: its size could not be set in the result backend, so its body fails and the rest of the header started by task {ParentId} is not sent.")]
    private static partial void LogChordSizeNotSet(ILogger logger, Exception exception, string groupId, string parentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A chord's keys could not be read or written in the result backend (attempt {Attempt}); trying again in {PauseMs} ms.")]
    private static partial void LogJoinRetry(ILogger logger, Exception exception, int attempt, double pauseMs);
}
