using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Cli;

/// <summary>
/// One walk through a dead-letter queue, as every <c>deadletters</c> command makes it: each message there at the
/// start is taken once and either replayed or passed to the tail, so that after the walk the queue holds what it
/// held, in its order, less what was replayed.
/// </summary>
/// <remarks>
/// <para>
/// Why a walk and not a peek: AMQP has no way to read a message and leave it in place. Returning it (closing the
/// channel, or a reject with requeue) counts as a delivery, and RabbitMQ drops a quorum queue's message past its
/// delivery limit: 20 by default on RabbitMQ 4, and <c>taskgen.dead</c> has nowhere to dead-letter it to, so a
/// monitoring cron running <c>list</c> would empty the queue. A larger limit declared on the queue does not help,
/// since the broker takes the lower of the argument and a policy's. So each message is passed instead: an identical
/// copy (properties, headers, body) is published to the queue's tail with a publisher confirm, and only then is the
/// one taken acknowledged. The copy is a new message, with a delivery count of zero.
/// </para>
/// <para>
/// Costs and edges: every read moves the whole queue once, a confirmed publish per message, whatever <c>--limit</c>
/// says, because moving only a part would change the order. A crash or dropped connection between the confirm and
/// the acknowledgement may leave a dead letter twice; it never loses one. A message dead-lettered during the walk
/// lands among the copies. When the connection drops, the walk waits for it to come back and goes on: a message
/// whose copy was confirmed but whose acknowledgement may not have arrived is recognised when the broker hands it
/// back (redelivered, same task id and body) and is then only acknowledged; one whose copy was never confirmed is
/// kept in the queue and reported.
/// </para>
/// </remarks>
internal sealed class DeadLetterSweep(IQueueReader reader, uint count)
{
    // Long enough for the broker to notice a dropped connection and put back what its channels held; spent only when
    // the queue holds fewer messages than the walk counted, which without such a drop means another reader took them.
    internal static readonly TimeSpan StragglerWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StragglerPoll = TimeSpan.FromMilliseconds(100);

    // Every message moved in this walk, by key, with the Lost token of the delivery moved: once that is cancelled,
    // the acknowledgement may not have arrived and the broker may hand the message back.
    private readonly Dictionary<string, CancellationToken> _moved = new(StringComparer.Ordinal);

    // Messages whose copy may or may not exist: the broker hands them back, and they are kept where they are.
    private readonly HashSet<string> _unsure = new(StringComparer.Ordinal);

    // Messages the broker took back before anything was published, with what was decided for them.
    private readonly Dictionary<string, (DeadLetter Letter, string? Target)> _pending = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether the walk lost its channel on the way: acknowledgements sent just before may then never have arrived, and
    /// their messages come back to the queue after the walk, so what is left there must be counted again afterwards.
    /// </summary>
    public bool LostChannel { get; private set; }

    /// <summary>
    /// How many replayed messages may still come back: moved on a channel that was lost before a later round trip
    /// proved their acknowledgement, and not met again by the walk. The broker puts each back once it notices the old
    /// connection gone, or never, if the acknowledgement did arrive.
    /// </summary>
    public int UnprovenMoves
    {
        get
        {
            int count = 0;
            foreach (CancellationToken lost in _moved.Values)
            {
                count += lost.IsCancellationRequested ? 1 : 0;
            }

            return count;
        }
    }

    /// <summary>
    /// Walks the queue. <paramref name="choose"/> sees each message once, in queue order, and returns the queue to
    /// replay it to, or null to leave it in the dead-letter queue; <paramref name="replayed"/> hears how each replay ended.
    /// </summary>
    public async Task RunAsync(Func<DeadLetter, ValueTask<string?>> choose, Func<DeadLetter, string, MoveOutcome, ValueTask> replayed, CancellationToken stop)
    {
        int position = 0;
        while (position < count && await NextAsync(position, stop).ConfigureAwait(false) is { } delivery)
        {
            var letter = new DeadLetter(position + 1, delivery.Message);
            LostChannel |= delivery.Redelivered;
            if (delivery.Redelivered && _pending.Remove(letter.Key, out (DeadLetter Letter, string? Target) decided))
            {
                await ActAsync(delivery, decided.Letter, decided.Target, replayed, stop).ConfigureAwait(false);
                continue;
            }

            if (await SettleReturnAsync(delivery, letter, stop).ConfigureAwait(false))
            {
                continue;
            }

            position++;
            await ActAsync(delivery, letter, await choose(letter).ConfigureAwait(false), replayed, stop).ConfigureAwait(false);
        }

        // The last acknowledgements may have been lost with the connection: their messages are back at the head.
        while (!await reader.SettledAsync(stop).ConfigureAwait(false))
        {
            LostChannel = true;
            if (await reader.GetAsync(stop).ConfigureAwait(false) is not { } delivery)
            {
                break;
            }

            var letter = new DeadLetter(0, delivery.Message);
            if (!await SettleReturnAsync(delivery, letter, stop).ConfigureAwait(false))
            {
                // A message that came in meanwhile: taken to look, so it must be passed.
                await PassAsync(delivery, letter, stop).ConfigureAwait(false);
            }
        }

        // A move whose channel ended after it may have lost its acknowledgement with it, even when every later one is proven.
        LostChannel |= UnprovenMoves > 0;
    }

    /// <summary>
    /// The next message of the walk. A queue that runs dry before the walk has met every message counted at its start
    /// has some of them out on a channel the broker has not yet found dead (a get whose answer went with a dropped
    /// connection): they come back once it has, so the walk waits for them, for a bounded time, instead of ending
    /// without them.
    /// </summary>
    private async ValueTask<Delivery?> NextAsync(int position, CancellationToken stop)
    {
        DateTime deadline = DateTime.UtcNow + StragglerWait;
        while (true)
        {
            if (await reader.GetAsync(stop).ConfigureAwait(false) is { } delivery)
            {
                return delivery;
            }

            if (position >= count || DateTime.UtcNow > deadline)
            {
                return null;
            }

            LostChannel = true;
            await Task.Delay(StragglerPoll, stop).ConfigureAwait(false);
        }
    }

    private async ValueTask ActAsync(Delivery delivery, DeadLetter letter, string? target, Func<DeadLetter, string, MoveOutcome, ValueTask> replayed, CancellationToken stop)
    {
        if (target is null)
        {
            if (await PassAsync(delivery, letter, stop).ConfigureAwait(false) == MoveOutcome.NotSent)
            {
                _pending[letter.Key] = (letter, null);
            }

            return;
        }

        MoveOutcome outcome = await reader.MoveAsync(delivery, letter.ForReplay(target), stop).ConfigureAwait(false);
        switch (outcome)
        {
            case MoveOutcome.Moved or MoveOutcome.CopiedNotRemoved or MoveOutcome.Unconfirmed:
                Note(outcome, letter, delivery);
                break;
            case MoveOutcome.NotSent:
                LostChannel = true;
                _pending[letter.Key] = (letter, target);
                return;
            default:
                // Not routed or refused: the message is still this walk's, and stays in the queue.
                await PassAsync(delivery, letter, stop).ConfigureAwait(false);
                break;
        }

        await replayed(letter, target, outcome).ConfigureAwait(false);
    }

    /// <summary>Settles a message the broker handed back after a lost connection, if it is one; false for any other.</summary>
    private async ValueTask<bool> SettleReturnAsync(Delivery delivery, DeadLetter letter, CancellationToken stop)
    {
        if (!delivery.Redelivered)
        {
            return false;
        }

        if (_moved.TryGetValue(letter.Key, out CancellationToken lost) && lost.IsCancellationRequested)
        {
            // Its copy is confirmed elsewhere; only the acknowledgement was lost.
            await delivery.AckAsync().ConfigureAwait(false);
            _moved[letter.Key] = delivery.Lost;
            return true;
        }

        if (_unsure.Remove(letter.Key))
        {
            await PassAsync(delivery, letter, stop).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Remembers where a move or a pass left a message: its copy confirmed (kept with the life of the channel that
    /// delivered it, so a return after that channel is lost is recognised), or unproven.
    /// </summary>
    private void Note(MoveOutcome outcome, DeadLetter letter, Delivery delivery)
    {
        LostChannel |= outcome is MoveOutcome.CopiedNotRemoved or MoveOutcome.Unconfirmed or MoveOutcome.NotSent || delivery.Lost.IsCancellationRequested;
        if (outcome is MoveOutcome.Moved or MoveOutcome.CopiedNotRemoved)
        {
            _moved[letter.Key] = delivery.Lost;
        }
        else if (outcome == MoveOutcome.Unconfirmed)
        {
            _unsure.Add(letter.Key);
        }
    }

    private async ValueTask<MoveOutcome> PassAsync(Delivery delivery, DeadLetter letter, CancellationToken stop)
    {
        MoveOutcome outcome = await reader.PassAsync(delivery, stop).ConfigureAwait(false);
        Note(outcome, letter, delivery);

        // Not routed or refused means the dead-letter queue itself is gone: the message goes back with the reader.
        return outcome;
    }
}
