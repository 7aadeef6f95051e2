using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using TaskGen.Cli;
using TaskGen.Hosting;
using TaskGen.Scheduling;

namespace TaskGen.Monitor.Schedules;

/// <summary>
/// The app's periodic tasks as <c>schedule list</c> shows them (each entry's next runs in its zone) and the schedule's
/// current leader from its election, for the monitor's schedules page.
/// </summary>
internal sealed class ScheduleView(TaskApp app, IConfiguration? configuration, SchedulerOptions? scheduler, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Reads the entries and the leader; an entry the configuration gets wrong is reported as the problem, not thrown.</summary>
    public async Task<ScheduleSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        SchedulerOptions options = scheduler ?? new SchedulerOptions();
        IReadOnlyList<ScheduleEntry> entries;
        try
        {
            entries = ScheduleConfiguration.ReadEntries(configuration ?? new ConfigurationBuilder().Build(), app);
        }
        catch (TaskAppConfigurationException ex)
        {
            return new ScheduleSnapshot(options.Name, [], null, ex.Message);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var rows = new List<ScheduleRow>(entries.Count);
        foreach (ScheduleEntry entry in entries)
        {
            var next = new List<DateTimeOffset>(ScheduleCommands.NextRuns);
            DateTimeOffset after = now;
            for (int i = 0; i < ScheduleCommands.NextRuns && entry.Schedule.GetNextOccurrence(after) is { } run; i++)
            {
                next.Add(TimeZoneInfo.ConvertTime(run, entry.Schedule.TimeZone));
                after = run;
            }

            rows.Add(new ScheduleRow(entry.Name, entry.Signature.Task.Name, ScheduleCommands.Written(entry.Schedule).Trim('\''), entry.Schedule.TimeZone.Id, entry.Options.Misfire.ToString(), ScheduleCommands.QueueOf(app, entry), next));
        }

        BeatLeaderInfo? leader = null;
        string? problem = null;
        if (rows.Count > 0)
        {
            try
            {
                (IBeatElection election, IBeatState state) = BeatStores.Create(app, options, _time);
                try
                {
                    leader = await election.ReadLeaderAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await election.DisposeAsync().ConfigureAwait(false);
                    await state.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                problem = "The leader could not be read: " + ex.Message;
            }
        }

        return new ScheduleSnapshot(options.Name, rows, leader is null ? null : new ScheduleLeader(leader.Node, leader.Since, leader.Epoch), problem);
    }
}

/// <summary>The schedule as the page shows it.</summary>
/// <param name="Name">The schedule's name (its election's).</param>
/// <param name="Entries">Its entries.</param>
/// <param name="Leader">The process sending its ticks now, or null when none leads.</param>
/// <param name="Problem">What could not be read, or null.</param>
internal sealed record ScheduleSnapshot(string Name, IReadOnlyList<ScheduleRow> Entries, ScheduleLeader? Leader, string? Problem);

/// <summary>One entry: what runs, when, where, and its next three run times in its zone.</summary>
internal sealed record ScheduleRow(string Name, string Task, string Schedule, string Zone, string Misfire, string Queue, IReadOnlyList<DateTimeOffset> Next);

/// <summary>The schedule's leader as its election records it.</summary>
internal sealed record ScheduleLeader(string Node, DateTimeOffset Since, long Epoch);
