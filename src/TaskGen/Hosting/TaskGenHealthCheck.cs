using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TaskGen.Scheduling;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>
/// Reports whether the app reaches its broker and whether every hosted worker consumes: a worker whose consumers
/// gave up, or that has stopped, makes the process unhealthy even while its broker connection is fine. A hosted
/// scheduler reports whether it leads; it is healthy either way while its election answers.
/// </summary>
internal sealed class TaskGenHealthCheck(TaskApp app, IEnumerable<IHostedService> hostedServices) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["broker"] = app.Transport.Description };
        bool connected;
        string? connectionError = null;
        try
        {
            connected = await app.Transport.CheckConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Transport.BrokerException or OperationCanceledException or TimeoutException)
        {
            // The transport's messages name the broker without its password, so they are safe to report.
            connected = false;
            connectionError = ex.Message;
        }

        var idle = new List<string>();
        foreach (TaskWorkerService service in hostedServices.OfType<TaskWorkerService>())
        {
            TaskWorker? worker = service.Worker;
            string name = worker?.NodeName ?? "(not started)";
            bool consuming = worker?.IsConsuming == true;
            data["worker " + name] = consuming ? $"consuming {string.Join(",", worker!.Queues)}, {worker.Active.Count} active" : "not consuming";
            if (!consuming)
            {
                idle.Add(name);
            }
        }

        // A scheduler is healthy whether it leads or stands by, as long as its election answers: standing by is its job.
        var unreachable = new List<string>();
        foreach (TaskSchedulerService service in hostedServices.OfType<TaskSchedulerService>())
        {
            if (service.Beat is not { } beat)
            {
                data["scheduler (not started)"] = "not started";
                unreachable.Add("(not started)");
                continue;
            }

            try
            {
                BeatLeaderInfo? leader = await service.ReadLeaderAsync(cancellationToken).ConfigureAwait(false);
                data["scheduler " + beat.Node] = beat.IsLeader
                    ? $"leads schedule {beat.Options.Name}, {beat.Entries.Count} entries"
                    : $"stands by for schedule {beat.Options.Name}; leader {leader?.Node ?? "none"}";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                data["scheduler " + beat.Node] = "election unreachable: " + ex.Message;
                unreachable.Add(beat.Node);
            }
        }

        if (!connected)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The broker at {app.Transport.Description} is not connected{(connectionError is null ? " (reconnecting)" : ": " + connectionError)}.", data: data);
        }

        if (unreachable.Count > 0)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Scheduler(s) cannot reach their election: {string.Join(", ", unreachable)}.", data: data);
        }

        return idle.Count == 0
            ? HealthCheckResult.Healthy($"Connected to {app.Transport.Description}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"Worker(s) not consuming: {string.Join(", ", idle)}.", data: data);
    }
}
