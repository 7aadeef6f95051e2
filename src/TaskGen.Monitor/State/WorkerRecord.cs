using System;
using System.Collections.Generic;
using System.Text.Json;

namespace TaskGen.Monitor.State;

/// <summary>
/// One worker as its events and <c>inspect</c> replies describe it, with Celery's <c>events.state.Worker</c> fields,
/// whether it runs TaskGen or Python Celery.
/// </summary>
internal sealed class WorkerRecord
{
    /// <summary>How many heartbeats are kept, as Celery keeps four.</summary>
    public const int MaxHeartbeats = 4;

    public WorkerRecord(string hostname) => Hostname = hostname;

    public string Hostname { get; }

    public int? Pid { get; set; }

    /// <summary>Seconds between heartbeats, as the worker announced.</summary>
    public double Freq { get; set; } = 60;

    /// <summary>The latest heartbeat times (seconds since the epoch, the monitor's clock on arrival), oldest first.</summary>
    public List<double> Heartbeats { get; private set; } = [];

    public long Clock { get; set; }

    public int? Active { get; set; }

    public long? Processed { get; set; }

    public double[]? Loadavg { get; set; }

    public string? SwIdent { get; set; }

    public string? SwVer { get; set; }

    public string? SwSys { get; set; }

    /// <summary>When the latest event of the worker arrived (the monitor's clock), or null.</summary>
    public double? LastSeen { get; set; }

    /// <summary>Set by <c>worker-offline</c>, cleared by any later worker event.</summary>
    public bool Offline { get; set; }

    /// <summary>The latest reply to each polled <c>inspect</c> method (<c>stats</c>, <c>active_queues</c>, ...), raw as the worker sent it.</summary>
    public Dictionary<string, JsonElement> Inspect { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>When the <see cref="Inspect"/> replies were last refreshed (the monitor's clock), or null.</summary>
    public double? InspectedAt { get; set; }

    /// <summary>
    /// Whether the worker is alive, as Celery judges it: a heartbeat within two of its periods (Celery's
    /// <c>expire_window</c> of 200%) and no <c>worker-offline</c> since.
    /// </summary>
    public bool IsAlive(double now) => !Offline && Heartbeats.Count > 0 && now < Heartbeats[^1] + (Freq * 2);

    /// <summary>The latest heartbeat, or null.</summary>
    public double? LastHeartbeat => Heartbeats.Count > 0 ? Heartbeats[^1] : null;

    /// <summary>A copy for readers outside the store's lock.</summary>
    public WorkerRecord Clone()
    {
        var copy = (WorkerRecord)MemberwiseClone();
        copy.Heartbeats = [.. Heartbeats];
        copy.Inspect = new Dictionary<string, JsonElement>(Inspect, StringComparer.Ordinal);
        return copy;
    }
}
