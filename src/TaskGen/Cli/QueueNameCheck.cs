using System;
using System.Collections.Generic;
using System.Linq;
using TaskGen.Diagnostics;

namespace TaskGen.Cli;

/// <summary>
/// Checks the queues named on the command line (<c>worker -Q</c>, <c>call -Q</c>) against those the program declares,
/// before any broker is reached, so that a typo is one usage error (exit 64) naming the queues there are.
/// </summary>
internal static class QueueNameCheck
{
    /// <summary>The usage error for the first of <paramref name="names"/> that <paramref name="app"/> does not declare, or null when it declares them all.</summary>
    /// <param name="app">The program's app: its declared queues, default queue and <see cref="TaskAppOptions.TaskCreateMissingQueues"/>.</param>
    /// <param name="names">The queues as written after <c>-Q</c>; null when the option was not given.</param>
    /// <param name="command">The command as typed (<c>worker</c>, <c>call</c>), for the message.</param>
    public static string? Problem(TaskApp app, IReadOnlyList<string>? names, string command)
    {
        foreach (string name in names ?? [])
        {
            try
            {
                // The same check a send or a worker makes, so the command line refuses exactly what they would.
                app.Router.ResolveQueue(name);
            }
            catch (TaskRoutingException)
            {
                string[] declared = Declared(app);
                string? close = Closest(name, declared);
                return $"Queue '{LogText.Escape(name)}' in {command} -Q is not declared"
                    + (close is null ? string.Empty : $" (did you mean '{close}'?)")
                    + $": use {string.Join(", ", declared)}, or declare it with [assembly: TaskQueue(\"{LogText.Escape(name)}\")].";
            }
        }

        return null;
    }

    private static string[] Declared(TaskApp app) =>
        app.Tasks.Queues.Select(q => q.Name).Append(app.Options.TaskDefaultQueue)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The declared name within two edits of <paramref name="name"/> (a typo), the nearest first; null when none is.</summary>
    private static string? Closest(string name, IEnumerable<string> declared) =>
        declared.Select(d => (Name: d, Distance: NameDistance.Of(name, d)))
            .Where(d => d.Distance <= Math.Min(2, Math.Max(1, name.Length / 3)))
            .OrderBy(d => d.Distance)
            .Select(d => d.Name)
            .FirstOrDefault();
}
