using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Control;

namespace TaskGen.Monitor.State;

/// <summary>
/// Asks every worker, .NET or Python, what events do not say (stats, queues, registered tasks, what it holds) and
/// keeps the replies on the workers; every 5 seconds it also asks workers to send task events, as Flower does.
/// </summary>
internal sealed partial class InspectPoller(TaskApp app, MonitorStore store, ILogger<InspectPoller> logger) : BackgroundService
{
    /// <summary>The <c>inspect</c> methods polled, Flower's set.</summary>
    public static readonly string[] Methods = ["stats", "active_queues", "registered", "active", "reserved", "scheduled", "revoked", "conf"];

    private static readonly TimeSpan s_enableEventsEvery = TimeSpan.FromSeconds(5);

    private readonly RemoteControlClient _control = new(app);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        MonitorOptions options = store.Options;
        DateTimeOffset nextInspect = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (options.EnableEvents)
                {
                    await _control.CallAsync("enable_events", null, TimeSpan.Zero, cancellationToken: stoppingToken).ConfigureAwait(false);
                }

                if (options.InspectInterval > TimeSpan.Zero && DateTimeOffset.UtcNow >= nextInspect)
                {
                    await PollAsync(stoppingToken).ConfigureAwait(false);
                    nextInspect = DateTimeOffset.UtcNow + options.InspectInterval;
                }

                if (options.PurgeOfflineWorkers is { } purge)
                {
                    store.PurgeOfflineWorkers(purge);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogPollFailed(logger, ex.Message);
            }

            TimeSpan wait = options.InspectInterval > TimeSpan.Zero && options.InspectInterval < s_enableEventsEvery ? options.InspectInterval : s_enableEventsEvery;
            await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one round of every method at once and stores each worker's replies.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var rounds = new List<Task<(string Method, IReadOnlyList<ControlReply> Replies)>>();
        foreach (string method in Methods)
        {
            rounds.Add(AskAsync(method, cancellationToken));
        }

        foreach ((string method, IReadOnlyList<ControlReply> replies) in await Task.WhenAll(rounds).ConfigureAwait(false))
        {
            foreach (ControlReply reply in replies)
            {
                // An error reply is kept as the worker gave it, as Flower keeps it: the page and the API show what the worker said.
                if (reply.Node.Length is > 0 and <= 256)
                {
                    store.SetInspect(reply.Node, method, reply.Reply);
                }
            }
        }
    }

    private async Task<(string, IReadOnlyList<ControlReply>)> AskAsync(string method, CancellationToken cancellationToken) =>
        (method, await _control.CallAsync(method, null, store.Options.InspectTimeout, cancellationToken: cancellationToken).ConfigureAwait(false));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor could not poll the workers: {Reason}.")]
    private static partial void LogPollFailed(ILogger logger, string reason);
}
