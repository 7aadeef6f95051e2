using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Worker;

/// <summary>
/// Carries out what a finished task's workflow asks for next: its links and chain step after a success, its errbacks
/// and the failure of its chain's remaining steps after a failure, and, for a chord's header part, the chord's count,
/// whose last part starts the body (or fails it). Signatures of every kind start through <see cref="CanvasDispatch"/>.
/// </summary>
internal sealed partial class FollowUps(TaskAnswers answers, TaskRouter router, IGroupStore? groups, string origin, ILogger logger, TimeSpan? joinPause = null)
{
    // A chord's keys are tried this many times more, the pause doubling from the first: a blip of the result backend
    // passes, while a backend that stays down fails the body soon instead of holding the worker.
    private const int JoinRetries = 3;

    private static readonly TimeSpan DefaultJoinPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Sends the links and the next chain step of a task that succeeded with <paramref name="resultJson"/>, and counts its chord part.</summary>
    public async ValueTask SendAsync(TaskRequest request, ReadOnlyMemory<byte> resultJson)
    {
        if (request.Embed.IsEmpty)
        {
            return;
        }

        if (ReadEmbed(request) is not { } embed)
        {
            return;
        }

        string result = resultJson.IsEmpty ? "null" : Encoding.UTF8.GetString(resultJson.Span);
        var steps = new List<CanvasDispatch.Step>();
        try
        {
            foreach (JsonNode? callback in List(embed["callbacks"]))
            {
                steps.AddRange(CanvasDispatch.Start(callback, result, OriginOf(request)));
            }

            if (embed["chain"] is JsonArray { Count: > 0 } chain)
            {
                // Celery keeps the chain last step first: the next step is the last element, and the rest travels on with it.
                var forward = new JsonArray();
                for (int i = chain.Count - 1; i >= 0; i--)
                {
                    forward.Add(chain[i]?.DeepClone());
                }

                var wrapper = new JsonObject
                {
                    ["task"] = "celery.chain",
                    ["kwargs"] = new JsonObject { ["tasks"] = forward },
                    ["subtask_type"] = "chain",
                };
                steps.AddRange(CanvasDispatch.Start(wrapper, result, OriginOf(request)));
            }
        }
        catch (FormatException ex)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(ex.Message));
        }

        await RunAsync(steps, request.Id).ConfigureAwait(false);
        await ChordPartAsync(request, embed, TaskState.Success, resultJson).ConfigureAwait(false);
    }

    /// <summary>
    /// After a task failed: fails the rest of its chain, sends its errbacks, and counts its chord part, whose failure
    /// fails the chord's body once the last part is in, as Celery's does.
    /// </summary>
    public async ValueTask FailedAsync(TaskRequest request, RemoteException remote, string? traceback)
    {
        await FailChainAsync(request.Id, request.Name, request.Embed, remote, traceback).ConfigureAwait(false);
        if (request.Embed.IsEmpty || ReadEmbed(request) is not { } embed)
        {
            return;
        }

        await SendErrbacksAsync(request.Id, List(embed["errbacks"]), OriginOf(request)).ConfigureAwait(false);
        await ChordPartAsync(request, embed, TaskState.Failure, ResultCodec.EncodeException(remote)).ConfigureAwait(false);
    }

    /// <summary>Counts a revoked chord part, which fails the chord's body as Celery's <c>mark_as_revoked</c> does; nothing else follows a revoked task.</summary>
    public async ValueTask RevokedAsync(TaskRequest request, ReadOnlyMemory<byte> exceptionJson)
    {
        if (!request.Embed.IsEmpty && ReadEmbed(request) is { } embed)
        {
            await ChordPartAsync(request, embed, TaskState.Revoked, exceptionJson).ConfigureAwait(false);
        }
    }

    /// <summary>Marks every remaining step of a chain as failed too, as Celery does, so their waiters do not hang.</summary>
    public async ValueTask FailChainAsync(string taskId, string taskName, ReadOnlyMemory<byte> embed, RemoteException remote, string? traceback)
    {
        List<Workflow.ChainStep> steps;
        try
        {
            steps = Workflow.RemainingChainSteps(embed, out _);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(taskId), LogText.Escape(taskName), LogText.Escape(ex.Message));
            return;
        }

        foreach (Workflow.ChainStep step in steps)
        {
            if (answers.ResultAddress(step.ReplyTo) is { } address)
            {
                await answers.AnswerAsync(step.Id, address, TaskState.Failure, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
            }

            if (step.ChordJson is { } chord)
            {
                // The step that would have returned for a chord never runs: it counts as a failed part, as Celery's
                // mark_as_failure counts it, or the chord would wait for it for ever.
                await FailedPartAsync(step.Id, taskName, step.GroupId, step.GroupIndex, chord, taskId, remote).ConfigureAwait(false);
            }
        }
    }

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

    /// <summary>
    /// Sends errbacks as tasks with the failed task's id as their one argument: Celery's old-style errback. Celery 5 calls a
    /// new-style errback (request, exc, traceback) in-process, but only for a Python task it has locally; a TaskGen worker has
    /// no Python task to call, and every errback a Python producer can name is a task it can also receive as a message.
    /// </summary>
    private async ValueTask SendErrbacksAsync(string failedId, IReadOnlyList<JsonNode?> errbacks, CanvasDispatch.Origin from)
    {
        if (errbacks.Count == 0)
        {
            return;
        }

        var steps = new List<CanvasDispatch.Step>();
        string argument = "\"" + JsonEncodedText.Encode(failedId).ToString() + "\"";
        foreach (JsonNode? errback in errbacks)
        {
            try
            {
                steps.AddRange(CanvasDispatch.Start(errback, argument, from));
            }
            catch (FormatException ex)
            {
                LogErrbackUnreadable(logger, LogText.Escape(failedId), LogText.Escape(ex.Message));
            }
        }

        await RunAsync(steps, failedId).ConfigureAwait(false);
    }

    /// <summary>Carries out started signatures in order: chord sizes set, messages sent; a message that cannot go out fails its waiters.</summary>
    private async ValueTask RunAsync(List<CanvasDispatch.Step> steps, string parentId)
    {
        HashSet<string>? unsized = null;
        foreach (CanvasDispatch.Step step in steps)
        {
            if (step.Send?.Envelope.Group is { } partOf && unsized?.Contains(partOf) == true)
            {
                // The chord's body has failed already; a header part sent now would only be counted against no size.
                continue;
            }

            if (step.ChordGroupId is { } chordGroup)
            {
                if (groups is null)
                {
                    LogChordNeedsRedis(logger, LogText.Escape(parentId), LogText.Escape(chordGroup), "(not yet sent)");
                    continue;
                }

                try
                {
                    await JoinRetriedAsync(async () =>
                    {
                        await groups.SetChordSizeAsync(chordGroup, step.ChordSize, CancellationToken.None).ConfigureAwait(false);
                        return true;
                    }).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogChordSizeNotSet(logger, ex, LogText.Escape(chordGroup), LogText.Escape(parentId));
                    (unsized ??= new HashSet<string>(StringComparer.Ordinal)).Add(chordGroup);
                    if (step.ChordBody is { } body)
                    {
                        await FailBodyAsync(new TaskRequest { Id = parentId }, chordGroup, body, JoinError(ex)).ConfigureAwait(false);
                    }
                }

                continue;
            }

            TaskEnvelope next = step.Send!.Envelope;
            try
            {
                await router.SendFollowUpAsync(next, step.Send.Queue).ConfigureAwait(false);
                LogFollowUpSent(logger, LogText.Escape(next.Id), LogText.Escape(next.Name), LogText.Escape(parentId));
            }
            catch (Exception ex)
            {
                // The step cannot go out: whoever waits for it, and for the chain's end, hears why.
                LogFollowUpFailed(logger, ex, LogText.Escape(next.Id), LogText.Escape(next.Name), LogText.Escape(parentId));
                var remote = new RemoteException("FollowUpNotSent", $"Task {next.Id} ({next.Name}), the next step after task {parentId}, could not be sent: {ex.Message}", "TaskGen.Worker");
                if (answers.ResultAddress(next.ReplyTo) is { } replyTo)
                {
                    await answers.AnswerAsync(next.Id, replyTo, TaskState.Failure, ResultCodec.EncodeException(remote), null).ConfigureAwait(false);
                }

                await FailChainAsync(next.Id, next.Name, next.Embed, remote, null).ConfigureAwait(false);
                if (ChordOf(next.Embed) is { } chord)
                {
                    await FailedPartAsync(next.Id, next.Name, next.Group, next.GroupIndex, chord, parentId, remote).ConfigureAwait(false);
                }
            }
        }
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

    private JsonObject? ReadEmbed(TaskRequest request)
    {
        try
        {
            return JsonNode.Parse(request.Embed.Span) as JsonObject;
        }
        catch (JsonException ex)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(ex.Message));
            return null;
        }
    }

    private CanvasDispatch.Origin OriginOf(TaskRequest request) => new(request.Id, request.RootId ?? request.Id, origin);

    private static IReadOnlyList<JsonNode?> List(JsonNode? value) => value switch
    {
        JsonArray list => [.. list],
        JsonObject one => [one],
        _ => [],
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "The workflow of task {TaskId} ({TaskName}) could not be read, so its callbacks and chain do not run: {Reason}")]
    private static partial void LogWorkflowUnreadable(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent task {TaskId} ({TaskName}) on from task {ParentId}.")]
    private static partial void LogFollowUpSent(ILogger logger, string taskId, string taskName, string parentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}), the next step after task {ParentId}, could not be sent; it and the rest of its chain are reported as failed.")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception, string taskId, string taskName, string parentId);

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

    [LoggerMessage(Level = LogLevel.Error, Message = "An errback of failed task {TaskId} cannot be started: {Reason}")]
    private static partial void LogErrbackUnreadable(ILogger logger, string taskId, string reason);
}
