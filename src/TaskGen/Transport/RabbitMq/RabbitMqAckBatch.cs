using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// Acknowledges the finished deliveries of one consumer channel several at a time, with one <c>basic.ack</c>
/// <c>multiple</c> for the finished prefix (see <see cref="SettledPrefix"/>): when that prefix reaches the batch size,
/// when nothing else on the channel is about to finish, on a short timer, and before the channel is closed. A
/// delivery is handed here only once its result is stored, so the batch delays acks but never acknowledges a task
/// that has not finished: at-least-once holds, and a worker lost mid-batch redelivers at most those few.
/// </summary>
internal sealed class RabbitMqAckBatch : IDisposable
{
    /// <summary>How long a finished delivery may wait for the next flush round.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    // Process-wide tallies for the end-to-end benchmark, which prices acks in frames per task.
    private static long s_finished;
    private static long s_frames;

    private readonly IChannel _channel;
    private readonly CancellationToken _lost;
    private readonly int _size;
    private readonly SettledPrefix _book = new();

    // Frames go out in the order they were taken from the book: a later multiple ack overtaking an earlier one would
    // name a tag the broker no longer holds, which closes the channel.
    private readonly SemaphoreSlim _sending = new(1, 1);

    // Filled and sent only while _sending is held, so one list serves every flush.
    private readonly List<ulong> _singles = [];
    private readonly Timer _timer;
    private long _round;
    private bool _timerArmed;
    private bool _disposed;

    public RabbitMqAckBatch(IChannel channel, CancellationToken lost, int size)
    {
        _channel = channel;
        _lost = lost;
        _size = size;
        _timer = new Timer(static state => _ = ((RabbitMqAckBatch)state!).OnTimerAsync(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Acks handed to every batch in this process, and the ack frames sent for them, for the benchmark's figures.</summary>
    internal static (long Finished, long Frames) Tally => (Interlocked.Read(ref s_finished), Interlocked.Read(ref s_frames));

    /// <summary>Records a delivery in the order the channel handed it out; false means it must be settled on its own.</summary>
    public bool Delivered(ulong tag)
    {
        lock (_book)
        {
            return _book.Delivered(tag);
        }
    }

    /// <summary>Notes that a delivery is held for later, which may leave only finished work waiting for its ack.</summary>
    public ValueTask HeldAsync(ulong tag)
    {
        lock (_book)
        {
            _book.Held(tag);
            if (!_book.Idle || _book.Waiting == 0)
            {
                return ValueTask.CompletedTask;
            }
        }

        return FlushAsync(long.MaxValue);
    }

    /// <summary>Takes a delivery whose result is stored; its ack goes out now or with a later flush.</summary>
    public ValueTask FinishedAsync(ulong tag)
    {
        long singlesBefore;
        Interlocked.Increment(ref s_finished);
        lock (_book)
        {
            if (!_book.Finished(tag, _round))
            {
                return AckAloneAsync(tag);
            }

            if (_book.Idle)
            {
                singlesBefore = long.MaxValue;
            }
            else if (_book.Ready >= _size)
            {
                singlesBefore = _round;
            }
            else
            {
                ArmTimer();
                return ValueTask.CompletedTask;
            }
        }

        return FlushAsync(singlesBefore);
    }

    /// <summary>Notes that a delivery was settled by a frame of its own, already sent (a reject).</summary>
    public void SettledAlone(ulong tag)
    {
        lock (_book)
        {
            _book.SettledAlone(tag);
        }
    }

    /// <summary>Sends every ack still waiting, before the channel is closed or the consumer cancelled.</summary>
    public ValueTask FlushAllAsync() => FlushAsync(long.MaxValue);

    public void Dispose()
    {
        lock (_book)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private async Task OnTimerAsync()
    {
        long singlesBefore;
        lock (_book)
        {
            _timerArmed = false;
            singlesBefore = _round++;
        }

        await FlushAsync(singlesBefore).ConfigureAwait(false);
    }

    // Called under the book's lock.
    private void ArmTimer()
    {
        if (!_timerArmed && !_disposed)
        {
            _timerArmed = true;
            _timer.Change(Interval, Timeout.InfiniteTimeSpan);
        }
    }

    private async ValueTask FlushAsync(long singlesBefore)
    {
        await _sending.WaitAsync().ConfigureAwait(false);
        List<ulong> singles = _singles;
        singles.Clear();
        try
        {
            ulong multiple;
            lock (_book)
            {
                multiple = _book.Take(singlesBefore, singles);
                if (_book.Waiting > 0)
                {
                    ArmTimer();
                }
            }

            if (_lost.IsCancellationRequested)
            {
                // The channel went: the broker has these messages back and hands them out again.
                return;
            }

            Interlocked.Add(ref s_frames, singles.Count + (multiple != 0 ? 1 : 0));
            if (multiple != 0)
            {
                await _channel.BasicAckAsync(multiple, multiple: true).ConfigureAwait(false);
            }

            foreach (ulong tag in singles)
            {
                await _channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // The channel closed between the check and the ack; its unacknowledged messages return to the queue with it.
        }
        finally
        {
            _sending.Release();
        }
    }

    private async ValueTask AckAloneAsync(ulong tag)
    {
        Interlocked.Increment(ref s_frames);
        try
        {
            await _channel.BasicAckAsync(tag, multiple: false).ConfigureAwait(false);
        }
        catch (AlreadyClosedException)
        {
            // As in a flush: the broker takes the message back with the channel.
        }
    }
}
