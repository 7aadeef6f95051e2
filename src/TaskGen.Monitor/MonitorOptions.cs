using System;
using System.Collections.Generic;

namespace TaskGen.Monitor;

/// <summary>
/// The monitor's settings, bound from the <c>TaskGen:Monitor</c> configuration section; the standalone monitor takes
/// the same settings under Flower's option names.
/// </summary>
public sealed class MonitorOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "TaskGen:Monitor";

    /// <summary>How many tasks are kept (least recently updated go first), Flower's <c>max_tasks</c>; 100,000 by default.</summary>
    public int MaxTasks { get; set; } = 100_000;

    /// <summary>How many workers are kept, Flower's <c>max_workers</c>; 5,000 by default.</summary>
    public int MaxWorkers { get; set; } = 5_000;

    /// <summary>How many characters of an argument, result or traceback are kept; longer text is cut and marked.</summary>
    public int MaxFieldLength { get; set; } = 8_192;

    /// <summary>Events larger than this many bytes are counted and dropped before they are read.</summary>
    public int MaxEventBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Events per second taken in full; beyond it the monitor samples (keeping worker events and final task states)
    /// and says so on every page, so a flood costs bounded time and memory.
    /// </summary>
    public int MaxEventsPerSecond { get; set; } = 20_000;

    /// <summary>How often workers are asked for <c>stats</c>, <c>active_queues</c>, <c>registered</c> and what they hold; zero turns polling off.</summary>
    public TimeSpan InspectInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one <c>inspect</c> round waits for replies, Flower's <c>inspect_timeout</c>.</summary>
    public TimeSpan InspectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether workers are asked every 5 seconds to send task events (<c>enable_events</c>), as Flower does.</summary>
    public bool EnableEvents { get; set; } = true;

    /// <summary>Workers offline for longer than this are removed from the pages and metrics, Flower's <c>purge_offline_workers</c>; null keeps them.</summary>
    public TimeSpan? PurgeOfflineWorkers { get; set; }

    /// <summary>Queues whose lengths are reported besides those the workers consume.</summary>
    public IList<string> Queues { get; } = [];

    /// <summary>Whether finished tasks are read back from a Redis result backend at start, so a restart of the monitor loses no history.</summary>
    public bool LoadHistory { get; set; } = true;

    /// <summary>Turns every action (revoke, rate limit, apply, shutdown, ...) off; the pages and the API only read.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// Lets clients other than loopback in without authentication; by default a monitor with neither this nor
    /// <see cref="BasicAuth"/> nor an authorization policy answers 403 to remote clients.
    /// </summary>
    public bool AllowRemote { get; set; }

    /// <summary>Accounts for HTTP basic authentication, each <c>user:password</c> as Flower's <c>basic_auth</c>; any entry turns authentication on.</summary>
    public IList<string> BasicAuth { get; } = [];

    /// <summary>The ASP.NET Core authorization policy that guards the monitor when it is mounted, or null for none.</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>The authorization policy that guards actions besides <see cref="AuthorizationPolicy"/>, or null for the same as reading.</summary>
    public string? ActionsPolicy { get; set; }
}
