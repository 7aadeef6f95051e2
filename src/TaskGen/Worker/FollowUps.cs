using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>
/// Sends what a finished task's workflow asks for next (links and chain steps), and fails a chain's
/// remaining steps when a step fails or cannot be sent, so a chain either goes on or its end hears why not.
/// </summary>
internal sealed partial class FollowUps(TaskAnswers answers, TaskRouter router, string origin, ILogger logger)
{
    public async ValueTask SendAsync(TaskRequest request, ReadOnlyMemory<byte> resultJson)
    {
        if (request.Embed.IsEmpty)
        {
            return;
        }

        List<Workflow.FollowUp> followUps;
        List<string> unsupported;
        try
        {
            followUps = Workflow.AfterSuccess(request, resultJson, origin, out unsupported);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(ex.Message));
            return;
        }

        foreach (string kind in unsupported)
        {
            LogWorkflowUnsupported(logger, LogText.Escape(request.Id), LogText.Escape(request.Name), LogText.Escape(kind));
        }

        foreach (Workflow.FollowUp followUp in followUps)
        {
            TaskEnvelope next = followUp.Envelope;
            try
            {
                await router.SendFollowUpAsync(next, followUp.Queue).ConfigureAwait(false);
                LogFollowUpSent(logger, LogText.Escape(next.Id), LogText.Escape(next.Name), LogText.Escape(request.Id));
            }
            catch (Exception ex)
            {
                // The step cannot go out: whoever waits for it, and for the chain's end, hears why.
                LogFollowUpFailed(logger, ex, LogText.Escape(next.Id), LogText.Escape(next.Name), LogText.Escape(request.Id));
                var remote = new RemoteException("FollowUpNotSent", $"Task {next.Id} ({next.Name}), the next step after task {request.Id}, could not be sent: {ex.Message}", "TaskGen.Worker");
                if (answers.ResultAddress(next.ReplyTo) is { } replyTo)
                {
                    await answers.AnswerAsync(next.Id, replyTo, TaskState.Failure, ResultCodec.EncodeException(remote), null).ConfigureAwait(false);
                }

                await FailChainAsync(next.Id, next.Name, next.Embed, remote, null).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Marks every remaining step of a chain as failed too, as Celery does, so their waiters do not hang.</summary>
    public async ValueTask FailChainAsync(string taskId, string taskName, ReadOnlyMemory<byte> embed, RemoteException remote, string? traceback)
    {
        List<(string Id, string? ReplyTo)> steps;
        try
        {
            steps = Workflow.RemainingChainSteps(embed, out bool hasErrbacks);
            if (hasErrbacks)
            {
                LogWorkflowUnsupported(logger, LogText.Escape(taskId), LogText.Escape(taskName), "errback");
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            LogWorkflowUnreadable(logger, LogText.Escape(taskId), LogText.Escape(taskName), LogText.Escape(ex.Message));
            return;
        }

        foreach ((string id, string? replyTo) in steps)
        {
            if (answers.ResultAddress(replyTo) is { } address)
            {
                await answers.AnswerAsync(id, address, TaskState.Failure, ResultCodec.EncodeException(remote), traceback).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The workflow of task {TaskId} ({TaskName}) could not be read, so its callbacks and chain do not run: {Reason}")]
    private static partial void LogWorkflowUnreadable(ILogger logger, string taskId, string taskName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} ({TaskName}) carries a {Kind} in its workflow, which TaskGen workers do not run.")]
    private static partial void LogWorkflowUnsupported(ILogger logger, string taskId, string taskName, string kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent task {TaskId} ({TaskName}) on from task {ParentId}.")]
    private static partial void LogFollowUpSent(ILogger logger, string taskId, string taskName, string parentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} ({TaskName}), the next step after task {ParentId}, could not be sent; it and the rest of its chain are reported as failed.")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception, string taskId, string taskName, string parentId);
}
