using System;

namespace TaskGen.Diagnostics;

/// <summary>
/// Lets a repeating warning through at most once per interval and counts what it held back, so that a
/// broker refusing every event does not write a log line per event.
/// </summary>
internal sealed class LogThrottle
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private DateTimeOffset? _lastLogged;
    private long _suppressed;

    /// <summary>Creates a throttle that lets one occurrence through per <paramref name="interval"/>.</summary>
    /// <param name="interval">The least time between two logged occurrences.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> outside tests.</param>
    public LogThrottle(TimeSpan interval, TimeProvider? time = null)
    {
        _interval = interval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Records one occurrence and says whether to log it; when it does, <paramref name="suppressed"/> is the
    /// number held back since the previous logged one.
    /// </summary>
    /// <param name="suppressed">The occurrences held back before this one.</param>
    public bool ShouldLog(out long suppressed)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_lastLogged is { } last && now - last < _interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _lastLogged = now;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
