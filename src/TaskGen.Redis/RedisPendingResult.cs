using System;
using System.Collections.Generic;
using StackExchange.Redis;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Redis;

/// <summary>
/// The readers of one awaited id (the one that registered it, and any that joined it later) and its subscription,
/// which exactly one side takes back: whoever ends the watch, or the subscribe that lands after the end.
/// </summary>
internal sealed class RedisPendingResult(IResultSink sink, long registeredAt)
{
    private readonly object _gate = new();
    private List<IResultSink>? _joined;
    private ResultMessage? _final;
    private Exception? _failed;
    private bool _sinkLeft;
    private bool _deserted;
    private bool _subscribed;
    private bool _ended;

    public IResultSink Sink { get; } = sink;

    public long RegisteredAt { get; } = registeredAt;

    public Action<RedisChannel, RedisValue>? Handler { get; set; }

    public bool IsWatched
    {
        get
        {
            lock (_gate)
            {
                return !_ended;
            }
        }
    }

    /// <summary>Records that the subscription is in place, and says whether it is still wanted.</summary>
    public bool MarkSubscribed()
    {
        lock (_gate)
        {
            _subscribed = true;
            return !_ended;
        }
    }

    /// <summary>Ends the watch, once, and says whether the caller must take the subscription back.</summary>
    public bool End()
    {
        lock (_gate)
        {
            bool mine = _subscribed && !_ended;
            _ended = true;
            return mine;
        }
    }

    /// <summary>Adds a reader; false when the last reader has just left, so the entry is going.</summary>
    public bool Join(IResultSink reader)
    {
        ResultMessage? final;
        Exception? failed;
        lock (_gate)
        {
            if (_deserted)
            {
                return false;
            }

            (final, failed) = (_final, _failed);
            if (final is null && failed is null)
            {
                if (ReferenceEquals(reader, Sink))
                {
                    _sinkLeft = false;
                }
                else
                {
                    (_joined ??= []).Add(reader);
                }
            }
        }

        // The id finished while the reader joined: it gets what the others got.
        if (final is not null)
        {
            reader.OnResult(final);
        }
        else if (failed is not null)
        {
            reader.OnSendFailed(failed);
        }

        return true;
    }

    /// <summary>Removes a reader that stopped waiting, and says whether it was the last one.</summary>
    public bool Leave(IResultSink reader)
    {
        lock (_gate)
        {
            bool sink = ReferenceEquals(reader, Sink);
            bool member = sink ? !_sinkLeft : _joined?.Remove(reader) == true;
            if (!member || _deserted)
            {
                return false;
            }

            _sinkLeft |= sink;
            _deserted = _sinkLeft && (_joined is null || _joined.Count == 0);
            return _deserted;
        }
    }

    /// <summary>Hands a state to every reader and says whether the id needs watching no more.</summary>
    public bool Deliver(ResultMessage message)
    {
        // Recorded before the readers are read, so that one joining meanwhile gets it from Join instead.
        bool ready = !Sink.CollectsReplies && TaskStates.IsReady(message.State);
        IResultSink[] readers;
        lock (_gate)
        {
            if (ready)
            {
                _final = message;
            }

            readers = Readers();
        }

        bool done = false;
        foreach (IResultSink reader in readers)
        {
            done |= reader.OnResult(message);
        }

        return ready || done;
    }

    public void Fail(Exception exception)
    {
        IResultSink[] readers;
        lock (_gate)
        {
            _failed = exception;
            readers = Readers();
        }

        foreach (IResultSink reader in readers)
        {
            reader.OnSendFailed(exception);
        }
    }

    private IResultSink[] Readers() =>
        _sinkLeft ? _joined?.ToArray() ?? [] : _joined is null ? [Sink] : [Sink, .. _joined];
}
