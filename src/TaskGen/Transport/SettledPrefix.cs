using System.Collections.Generic;

namespace TaskGen.Transport;

/// <summary>
/// The acknowledgement book of one AMQP channel: which delivery tags are still open (running, waiting for a slot or
/// held for an ETA), which are finished and wait for their ack, and which acks may go out together. A
/// <c>basic.ack</c> with <c>multiple</c> settles every unsettled tag up to its own, so it may only name a finished tag
/// below every open one: the finished prefix. Finished tags above a long-held one cannot join it and are acknowledged
/// one by one once they have waited a flush round, so that neither an ETA nor a long task holds other acks forever.
/// </summary>
/// <remarks>
/// Not thread-safe: the owner serializes calls, and sends the acks it takes in the order it took them. A channel
/// hands out tags 1, 2, 3... in order, so <see cref="Delivered"/> must see them in that order.
/// </remarks>
internal sealed class SettledPrefix
{
    private readonly SortedSet<ulong> _open = [];
    private readonly HashSet<ulong> _held = [];

    // Finished tags waiting for their ack, each with the flush round it finished in.
    private readonly SortedDictionary<ulong, long> _finished = [];

    // The tags one Take settles, kept between calls so that a flush allocates nothing of its own.
    private readonly List<ulong> _taken = [];
    private ulong _lastDelivered;

    /// <summary>How many finished tags wait for their ack.</summary>
    public int Waiting => _finished.Count;

    /// <summary>How many finished tags lie below every open one, so that one multiple ack would settle them all.</summary>
    public int Ready
    {
        get
        {
            if (_open.Count == 0)
            {
                return _finished.Count;
            }

            ulong lowestOpen = _open.Min;
            int ready = 0;
            foreach (ulong tag in _finished.Keys)
            {
                if (tag > lowestOpen)
                {
                    break;
                }

                ready++;
            }

            return ready;
        }
    }

    /// <summary>Whether nothing is running or about to run: every open tag is held for later, so no ack is coming soon.</summary>
    public bool Idle => _open.Count == _held.Count;

    /// <summary>Records a delivery; tags must come in increasing order, as the channel hands them out.</summary>
    /// <returns>False when the tag is not above the last one seen, which would mean a book kept across channels.</returns>
    public bool Delivered(ulong tag)
    {
        if (tag <= _lastDelivered)
        {
            return false;
        }

        _lastDelivered = tag;
        _open.Add(tag);
        return true;
    }

    /// <summary>Marks an open tag as held (until an ETA or a rate limit), so it stops counting as work about to finish.</summary>
    public void Held(ulong tag)
    {
        if (_open.Contains(tag))
        {
            _held.Add(tag);
        }
    }

    /// <summary>Marks a tag finished: its result is stored and its message may be acknowledged.</summary>
    /// <param name="tag">The delivery tag.</param>
    /// <param name="round">The current flush round (see <see cref="Take"/>).</param>
    /// <returns>False when the tag is not open (never delivered, or settled already).</returns>
    public bool Finished(ulong tag, long round)
    {
        if (!_open.Remove(tag))
        {
            return false;
        }

        _held.Remove(tag);
        _finished[tag] = round;
        return true;
    }

    /// <summary>
    /// Marks a tag settled by a frame of its own (a reject, or a single ack sent without this book). Call it only once
    /// that frame is sent: from then on a multiple ack may cover the tag, which the broker then skips.
    /// </summary>
    public void SettledAlone(ulong tag)
    {
        _open.Remove(tag);
        _held.Remove(tag);
        _finished.Remove(tag);
    }

    /// <summary>
    /// Takes the acks to send now: one multiple ack for the finished prefix (its highest finished tag, never a tag
    /// already settled, which the broker would refuse), and single acks for finished tags above an open tag that
    /// finished in a round before <paramref name="singlesBefore"/>.
    /// </summary>
    /// <param name="singlesBefore">
    /// Tags that finished before this round and are still kept from the prefix are acknowledged alone; pass
    /// <see cref="long.MaxValue"/> to take every finished tag.
    /// </param>
    /// <param name="singles">Receives the tags to acknowledge one by one, lowest first.</param>
    /// <returns>The tag to acknowledge with <c>multiple</c>, or 0 when there is none.</returns>
    public ulong Take(long singlesBefore, List<ulong> singles)
    {
        ulong lowestOpen = _open.Count == 0 ? ulong.MaxValue : _open.Min;
        ulong multiple = 0;
        _taken.Clear();
        foreach ((ulong tag, long round) in _finished)
        {
            if (tag < lowestOpen)
            {
                multiple = tag;
            }
            else if (round < singlesBefore)
            {
                singles.Add(tag);
            }
            else
            {
                continue;
            }

            _taken.Add(tag);
        }

        foreach (ulong tag in _taken)
        {
            _finished.Remove(tag);
        }

        return multiple;
    }
}
