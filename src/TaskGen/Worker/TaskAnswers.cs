using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Tells callers how their tasks went, through the worker's result store: a state that is not the last is only
/// logged when it cannot be sent, and a last state that cannot be stored is replaced by a small failure naming why.
/// </summary>
/// <remarks>
/// A part of its own, rather than methods of <see cref="WorkerContext"/>, so that the parts which only answer callers
/// (follow-ups among them) take this and not the context that holds them.
/// </remarks>
internal sealed partial class TaskAnswers
{
    private readonly string _nodeName;
    private readonly IResultStore _results;
    private readonly ILogger _logger;

    public TaskAnswers(string nodeName, IResultStore results, ILogger logger)
    {
        _nodeName = nodeName;
        _results = results;
        _logger = logger;
    }

    /// <summary>Whether the worker's result backend stores states by task id, so tasks without a <c>reply_to</c> are answered too.</summary>
    public bool ResultsById => _results.StoresById;

    /// <summary>Where the state of a task goes: its <c>reply_to</c>, or nowhere unless the backend stores by id.</summary>
    public string? ResultAddress(string? replyTo) => replyTo is { Length: > 0 } ? replyTo : ResultsById ? string.Empty : null;

    /// <summary>
    /// Tells the caller of a state that is not the task's last (RETRY), as far as that goes: the run that follows
    /// answers in the end, so a state that cannot be sent is only logged and never turned into a failure.
    /// </summary>
    public async ValueTask NotifyAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback)
    {
        try
        {
            await _results.StoreAsync(taskId, replyTo, state, resultJson, traceback, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));
        }
    }

    /// <summary>
    /// Stores a state for the caller and says whether the caller can now read an answer (or nobody waits any
    /// more). A result that cannot be stored is replaced by a small failure naming why, so the caller does
    /// not hang; false means not even that went through. A reply to a broadcast is kept as this worker's own.
    /// </summary>
    public async ValueTask<bool> AnswerAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, bool broadcast = false)
    {
        string? broadcastNode = broadcast ? _nodeName : null;
        try
        {
            await _results.StoreAsync(taskId, replyTo, state, resultJson, traceback, broadcastNode, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (MessageNotRoutedException)
        {
            LogNobodyWaits(_logger, LogText.Escape(taskId), LogText.Escape(replyTo));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));

            // Only a result refused for itself is replaced: a backend that is away (Redis failing over, a connection
            // lost) may take the small failure a moment later and would then tell the caller a stored-able result failed.
            if (state is TaskState.Failure || ex is not BrokerException { MessageRefused: true })
            {
                return false;
            }
        }

        try
        {
            var remote = new RemoteException("ResultNotSent", $"The {state.ToString().ToUpperInvariant()} result of task {taskId} could not be sent to the result backend.", "TaskGen.Results");
            await _results.StoreAsync(taskId, replyTo, TaskState.Failure, ResultCodec.EncodeException(remote), null, broadcastNode, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (MessageNotRoutedException)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResultNotSent(_logger, LogText.Escape(taskId), Destination(replyTo), LogText.Escape(ex.Message));
            return false;
        }
    }

    // A backend that stores by id ignores reply_to, so naming it in a log line would point at the wrong place.
    private string Destination(string replyTo) => ResultsById ? "the result backend" : LogText.Escape(replyTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result of task {TaskId} could not be sent to {ReplyTo}: {Reason}")]
    private static partial void LogResultNotSent(ILogger logger, string taskId, string replyTo, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The result of task {TaskId} has no reader: reply queue {ReplyTo} is gone.")]
    private static partial void LogNobodyWaits(ILogger logger, string taskId, string replyTo);
}
