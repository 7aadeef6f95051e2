using System;
using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Api;

/// <summary>
/// A worker as Flower's <c>/api/workers</c> writes it: the worker's own replies to each <c>inspect</c> method, verbatim,
/// plus the time they were refreshed. Any password in them is masked on the way out (<see cref="InspectRedaction"/>), whoever sent the reply.
/// </summary>
internal static class WorkerJson
{
    /// <summary>Writes the worker's <c>{method: reply, ..., "timestamp": t}</c> object.</summary>
    public static void Write(Utf8JsonWriter writer, WorkerRecord worker)
    {
        writer.WriteStartObject();
        foreach (string method in InspectPoller.Methods)
        {
            if (worker.Inspect.TryGetValue(method, out JsonElement reply))
            {
                writer.WritePropertyName(method);
                InspectRedaction.Write(writer, reply, method);
            }
        }

        if (worker.InspectedAt is { } timestamp)
        {
            writer.WriteNumber("timestamp", timestamp);
        }

        writer.WriteEndObject();
    }

    /// <summary>The workers Flower's inspect cache would hold: those that answered at least one <c>inspect</c> method.</summary>
    public static List<WorkerRecord> Inspected(IReadOnlyList<WorkerRecord> workers)
    {
        var inspected = new List<WorkerRecord>(workers.Count);
        foreach (WorkerRecord worker in workers)
        {
            if (worker.Inspect.Count > 0)
            {
                inspected.Add(worker);
            }
        }

        return inspected;
    }
}
