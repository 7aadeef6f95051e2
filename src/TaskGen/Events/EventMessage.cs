using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Events;

/// <summary>
/// One Celery event as it goes to the <c>celeryev</c> exchange: the fields Celery's event dispatcher adds to every
/// event (type, hostname, timestamp, utcoffset, pid, clock), then the event's own, routed by its type.
/// </summary>
internal static class EventMessage
{
    /// <summary>The topic exchange events go to.</summary>
    public const string Exchange = "celeryev";

    /// <summary>Builds an event message, best effort and unconfirmed as Celery sends events.</summary>
    /// <param name="type">The event type, such as <c>task-sent</c>; its routing key is the type with dots for dashes.</param>
    /// <param name="hostname">The node that sends it.</param>
    /// <param name="clock">The sender's logical clock, advanced for this event.</param>
    /// <param name="fields">Writes the event's own fields.</param>
    public static TransportMessage Create(string type, string hostname, long clock, Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("hostname", hostname);
            writer.WriteNumber("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);

            // Python's sign: hours west of UTC, so UTC+2 is -2.
            writer.WriteNumber("utcoffset", -(int)Math.Round(TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalHours));
            writer.WriteNumber("pid", Environment.ProcessId);
            writer.WriteNumber("clock", clock);
            fields(writer);
            writer.WriteEndObject();
        }

        var headers = new Dictionary<string, object?> { ["hostname"] = hostname };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 };
        return new TransportMessage(Exchange, type.Replace('-', '.'), properties, headers, buffer.WrittenMemory) { Mandatory = false, Confirm = false, BestEffort = true };
    }

    /// <summary>Writes a date as Celery's events carry it, ISO 8601 text, or null.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="name">The field name.</param>
    /// <param name="value">The date, or null.</param>
    public static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            writer.WriteString(name, IsoDates.Format(date));
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
