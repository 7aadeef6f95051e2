using System.Text.Json;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Api;

/// <summary>
/// A task as Flower's API writes it: Celery's <c>Task.as_dict()</c> with its 31 keys in Celery's order, the worker as
/// its hostname. The pages' live updates can write tasks with it too, so both read the same shape.
/// </summary>
internal static class TaskJson
{
    /// <summary>Writes <paramref name="task"/> as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="task">The task.</param>
    /// <param name="workerLast">
    /// True for <c>/api/tasks</c>, which moves <c>worker</c> to the end and leaves it out for a task no worker has
    /// reported; false for <c>/api/task/info</c>, which keeps it in place and writes null.
    /// </param>
    public static void Write(Utf8JsonWriter writer, TaskRecord task, bool workerLast)
    {
        writer.WriteStartObject();
        writer.WriteString("uuid", task.Id);
        String(writer, "name", task.Name);
        writer.WriteString("state", task.State);
        Number(writer, "received", task.Received);
        Number(writer, "sent", task.Sent);
        Number(writer, "started", task.Started);
        Number(writer, "rejected", task.Rejected);
        Number(writer, "succeeded", task.Succeeded);
        Number(writer, "failed", task.Failed);
        Number(writer, "retried", task.Retried);
        Number(writer, "revoked", task.Revoked);
        String(writer, "args", task.Args);
        String(writer, "kwargs", task.Kwargs);
        String(writer, "eta", task.Eta);
        String(writer, "expires", task.Expires);
        if (task.Retries is { } retries)
        {
            writer.WriteNumber("retries", retries);
        }
        else
        {
            writer.WriteNull("retries");
        }

        if (!workerLast)
        {
            String(writer, "worker", task.Worker);
        }

        String(writer, "result", task.Result);
        String(writer, "exception", task.Exception);
        Number(writer, "timestamp", task.Timestamp);
        Number(writer, "runtime", task.Runtime);
        String(writer, "traceback", task.Traceback);
        String(writer, "exchange", task.Exchange);
        String(writer, "routing_key", task.RoutingKey);
        writer.WriteNumber("clock", task.Clock);
        String(writer, "client", task.Client);

        // Celery keeps both spellings: root and parent are the linked tasks, *_id their ids; on the wire both are ids.
        String(writer, "root", task.RootId);
        String(writer, "root_id", task.RootId);
        String(writer, "parent", task.ParentId);
        String(writer, "parent_id", task.ParentId);
        writer.WriteStartArray("children");

        // Celery's retry re-sends the task with itself as parent, so Celery lists a retried task among its own children.
        if (task.ParentId == task.Id)
        {
            writer.WriteStringValue(task.Id);
        }

        foreach (string child in task.Children)
        {
            writer.WriteStringValue(child);
        }

        writer.WriteEndArray();
        if (workerLast && task.Worker is { } worker)
        {
            writer.WriteString("worker", worker);
        }

        writer.WriteEndObject();
    }

    private static void String(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number && double.IsFinite(number))
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
