using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Serialization;

namespace TaskGen;

/// <summary>
/// Writes signatures as Celery 5's <c>Signature.__json__</c> does (<c>{"task", "args", "kwargs", "options",
/// "subtask_type", "immutable"}</c>) and the body's <c>embed</c> that carries them, so Celery 5.2 and 5.6 workers read
/// TaskGen's canvases as their own.
/// </summary>
internal static class SignatureWriter
{
    /// <summary>Writes one signature dict.</summary>
    public static void Write(Utf8JsonWriter writer, FrozenSignature signature)
    {
        writer.WriteStartObject();
        writer.WriteString("task", signature.Task);
        writer.WritePropertyName("args");
        signature.Arguments.WriteArgs(writer);
        writer.WritePropertyName("kwargs");
        signature.Arguments.WriteKwargs(writer);
        writer.WriteStartObject("options");
        WriteOptions(writer, signature);
        writer.WriteEndObject();
        writer.WriteNull("subtask_type");
        writer.WriteBoolean("immutable", signature.Immutable);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the body's third item, <c>{"callbacks", "errbacks", "chain", "chord"}</c>, with null for what is absent as
    /// Celery does; the chain's steps are given in running order and written reversed, the next step last, which is
    /// the end a worker pops.
    /// </summary>
    public static ReadOnlyMemory<byte> Embed(IReadOnlyList<FrozenSignature> callbacks, IReadOnlyList<FrozenSignature> errbacks, IReadOnlyList<FrozenSignature> chain, FrozenSignature? chord)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteList(writer, "callbacks", callbacks, reversed: false);
            WriteList(writer, "errbacks", errbacks, reversed: false);
            WriteList(writer, "chain", chain, reversed: true);
            if (chord is null)
            {
                writer.WriteNull("chord");
            }
            else
            {
                writer.WritePropertyName("chord");
                Write(writer, chord);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void WriteOptions(Utf8JsonWriter writer, FrozenSignature signature)
    {
        if (signature.Queue is { } queue)
        {
            writer.WriteString("queue", queue);
        }

        if (signature.Exchange is { } exchange)
        {
            writer.WriteString("exchange", exchange);
        }

        if (signature.RoutingKey is { } routingKey)
        {
            writer.WriteString("routing_key", routingKey);
        }

        if (signature.Priority is { } priority)
        {
            writer.WriteNumber("priority", priority);
        }

        if (signature.Countdown is { } countdown)
        {
            writer.WriteNumber("countdown", countdown.TotalSeconds);
        }

        if (signature.Eta is { } eta)
        {
            writer.WriteString("eta", IsoDates.Format(eta));
        }

        if (signature.Expires is { } expires)
        {
            writer.WriteString("expires", IsoDates.Format(expires));
        }

        if (signature.TimeLimit is { } timeLimit)
        {
            writer.WriteNumber("time_limit", timeLimit.TotalSeconds);
        }

        if (signature.SoftTimeLimit is { } softTimeLimit)
        {
            writer.WriteNumber("soft_time_limit", softTimeLimit.TotalSeconds);
        }

        if (signature.IgnoreResult)
        {
            writer.WriteBoolean("ignore_result", true);
        }

        if (signature.TaskId is { } taskId)
        {
            writer.WriteString("task_id", taskId);
        }

        if (signature.ReplyTo is { } replyTo)
        {
            writer.WriteString("reply_to", replyTo);
        }

        if (signature.GroupId is { } groupId)
        {
            writer.WriteString("group_id", groupId);
        }

        if (signature.Link.Count > 0)
        {
            WriteList(writer, "link", signature.Link, reversed: false);
        }

        if (signature.LinkError.Count > 0)
        {
            WriteList(writer, "link_error", signature.LinkError, reversed: false);
        }
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<FrozenSignature> signatures, bool reversed)
    {
        if (signatures.Count == 0)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartArray(name);
        for (int i = 0; i < signatures.Count; i++)
        {
            Write(writer, signatures[reversed ? signatures.Count - 1 - i : i]);
        }

        writer.WriteEndArray();
    }
}
