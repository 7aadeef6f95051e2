using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Transport;

namespace TaskGen;

/// <content>How a canvas goes out: its results watched, its messages published a window at a time, a partial send told.</content>
public sealed partial class TaskApp
{
    /// <summary>The result of a task that another message will send (a chain's last step, a chord's body), watched from now on.</summary>
    private AsyncResult<TResult> Watch<TResult>(string id, TaskDescriptor<TResult> task, bool ignoreResult, string? queue)
    {
        ignoreResult |= _results is null;
        var result = new AsyncResult<TResult>(id, task, ignoreResult) { Waits = _waits, Queue = queue };
        if (!ignoreResult)
        {
            _results!.Register(result);
        }

        return result;
    }

    /// <summary>Publishes the message that starts a canvas and, when that fails, stops watching the result it promised.</summary>
    private async Task PublishWatchedAsync(AsyncResult result, TaskEnvelope envelope, QueueDeclaration queue, CancellationToken cancellationToken)
    {
        try
        {
            // The result may come to the reply queue though the first message asks for none (an ignored first step).
            if (_results is not null)
            {
                await _results.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
            }

            await PublishAsync(envelope, queue, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _results?.Unregister(result.Id);
            throw;
        }
    }

    /// <summary>
    /// A chord header message's headers plus the chord's size, which lets the worker that counts the last part join the
    /// chord even when the size key has gone missing from the result backend.
    /// </summary>
    private static Dictionary<string, object?> WithChordSize(IDictionary<string, object?>? headers, int size) =>
        new(headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { [TaskRequest.ChordSizeHeader] = size };

    /// <summary>Sends each member of a group as an ordinary message carrying the group's id and the member's place in it.</summary>
    private async Task<(string Id, AsyncResult[] Members)> SendMembersAsync(IReadOnlyList<Signature> members, CancellationToken cancellationToken)
    {
        string groupId = Guid.NewGuid().ToString();
        var results = new AsyncResult[members.Count];
        var messages = new (TaskEnvelope, QueueDeclaration)[members.Count];
        bool[] sent;
        Exception? failure;
        try
        {
            for (int i = 0; i < messages.Length; i++)
            {
                (TaskEnvelope envelope, QueueDeclaration queue, AsyncResult result) = Prepare(members[i]);
                results[i] = result;
                messages[i] = (envelope with { Group = groupId, GroupIndex = i }, queue);
            }

            (sent, failure) = await PublishAllAsync(messages, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing went out and no GroupResult is returned, so nothing would ever read these.
            foreach (AsyncResult? result in results)
            {
                if (result is not null)
                {
                    _results?.Unregister(result.Id);
                }
            }

            throw;
        }

        if (failure is not null)
        {
            // The members that went out still run and the exception hands their results over, so only the others are released.
            for (int i = 0; i < results.Length; i++)
            {
                if (!sent[i])
                {
                    _results?.Unregister(results[i].Id);
                }
            }

            ThrowSentInPart(groupId, chord: false, failure, sent, messages, results);
        }

        return (groupId, results);
    }

    /// <summary>
    /// Throws a failed publish of a group's or chord's members: as it is when no member went out, so the caller meets the
    /// broker's own exception; otherwise as a <see cref="GroupSendException"/> naming the members that did.
    /// </summary>
    [DoesNotReturn]
    private static void ThrowSentInPart(string groupId, bool chord, Exception failure, bool[] sent, (TaskEnvelope Envelope, QueueDeclaration Queue)[] messages, AsyncResult[]? sentResults)
    {
        var ids = new List<string>();
        var results = new List<AsyncResult>();
        for (int i = 0; i < sent.Length; i++)
        {
            if (sent[i])
            {
                ids.Add(messages[i].Envelope.Id);
                if (sentResults is not null)
                {
                    results.Add(sentResults[i]);
                }
            }
        }

        if (ids.Count == 0)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        string message = chord
            ? CanvasMessages.ChordSentInPart(groupId, ids.Count, messages.Length, failure)
            : CanvasMessages.GroupSentInPart(groupId, ids.Count, messages.Length, failure);
        throw new GroupSendException(message, groupId, ids, results, failure);
    }

    /// <summary>
    /// Publishes many messages through the one outgoing path, <see cref="CanvasPublishWindow"/> at a time, so the broker's
    /// confirms overlap instead of each publish waiting for the last. The first failure, or the caller's cancelling, stops
    /// new publishes; it returns which messages the broker confirmed and that failure, once every publish has ended.
    /// </summary>
    private async Task<(bool[] Sent, Exception? Failure)> PublishAllAsync((TaskEnvelope Envelope, QueueDeclaration Queue)[] messages, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var window = new SemaphoreSlim(Math.Min(CanvasPublishWindow, Options.ProducerMaxPendingPublishes));
        var batch = new PublishBatch(messages.Length, stop);
        var sends = new List<Task>(messages.Length);
        try
        {
            for (int i = 0; i < messages.Length; i++)
            {
                await window.WaitAsync(stop.Token).ConfigureAwait(false);
                sends.Add(PublishReleasingAsync(i, messages[i].Envelope, messages[i].Queue, batch, window));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // A failed publish cancelled the wait, or the caller did; either way no further member goes out.
            batch.Fail(new OperationCanceledException(cancellationToken));
        }
        finally
        {
            // Even when the loop stops early, no publish is left running against a disposed window. No send throws.
            await Task.WhenAll(sends).ConfigureAwait(false);
        }

        return (batch.Sent, batch.Failure);
    }

    private async Task PublishReleasingAsync(int index, TaskEnvelope envelope, QueueDeclaration queue, PublishBatch batch, SemaphoreSlim window)
    {
        try
        {
            await PublishAsync(envelope, queue, batch.Stop.Token).ConfigureAwait(false);
            batch.Sent[index] = true;
        }
        catch (Exception ex)
        {
            batch.Fail(ex);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>What the publishes of one group or chord share: which went out, the first failure, and the stop it triggers.</summary>
    private sealed class PublishBatch(int count, CancellationTokenSource stop)
    {
        private Exception? _failure;

        public bool[] Sent { get; } = new bool[count];

        public CancellationTokenSource Stop { get; } = stop;

        public Exception? Failure => Volatile.Read(ref _failure);

        /// <summary>Keeps the first failure only: the publishes it cancels fail after it, and their cancellation is not the cause.</summary>
        public void Fail(Exception failure)
        {
            if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
            {
                Stop.Cancel();
            }
        }
    }

    /// <summary>The arguments of a partial call with its missing first argument, given as JSON, put in front.</summary>
    private static RawJsonArguments WithFirstArgument(TaskArguments arguments, string firstJson)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            arguments.WriteArgs(writer);
        }

        string rest = Encoding.UTF8.GetString(buffer.WrittenSpan).Trim();
        buffer.Clear();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            arguments.WriteKwargs(writer);
        }

        string kwargs = Encoding.UTF8.GetString(buffer.WrittenSpan);
        string args = rest.Length <= 2 ? $"[{firstJson}]" : $"[{firstJson}, {rest[1..]}";
        return RawJsonArguments.FromWorker(args, kwargs);
    }
}
