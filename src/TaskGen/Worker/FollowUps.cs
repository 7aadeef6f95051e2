using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
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
            steps = Workflow.RemainingChainSteps(embed);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "An errback of failed task {TaskId} cannot be started: {Reason}")]
    private static partial void LogErrbackUnreadable(ILogger logger, string taskId, string reason);
}
