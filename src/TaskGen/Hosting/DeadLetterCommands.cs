using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Hosting;

/// <summary>
/// The <c>deadletters</c> commands: list, show and replay what workers rejected, read from the dead-letter queue
/// message by message so that nothing leaves it but what is replayed, and a replay is published (and confirmed)
/// before it is removed, so a crash in between can only duplicate a task, never lose it.
/// </summary>
internal static class DeadLetterCommands
{
    /// <summary>How many messages <c>deadletters list</c> shows when no <c>--limit</c> is given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The headers <c>deadletters show</c> prints first, in this order, whether present or not.</summary>
    private static readonly string[] s_taskHeaders = ["task", "id", "retries", "eta", "origin", "argsrepr", "kwargsrepr"];

    /// <summary>How many body bytes <c>show</c> prints as hex when the body is not JSON.</summary>
    private const int HexBytes = 64;

    /// <summary>Prints one line per dead letter, in queue order, and leaves them all in the queue.</summary>
    public static async Task<int> ListAsync(TaskApp app, string? queue, int? limit, bool json, TextWriter output, TextWriter error, CancellationToken stop)
    {
        string name = QueueName(app, queue);
        int most = limit ?? DefaultLimit;
        uint? ready = await ReadyAsync(app, name, error, stop).ConfigureAwait(false);
        if (ready is null)
        {
            return 1;
        }

        var letters = new List<DeadLetter>();
        IQueueReader reader = await OpenReaderAsync(app, name, stop).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (letters.Count < most && await reader.GetAsync(stop).ConfigureAwait(false) is { } delivery)
            {
                letters.Add(new DeadLetter(letters.Count + 1, delivery.Message));
            }
        }

        if (json)
        {
            await output.WriteLineAsync(ListJson(letters)).ConfigureAwait(false);
            return 0;
        }

        foreach (DeadLetter letter in letters)
        {
            Death? death = letter.LastDeath;
            await output.WriteLineAsync(
                $"{letter.Position}  {Escape(letter.TaskId)}  {Escape(letter.TaskName)}  retries={Escape(letter.Retries ?? "0")}"
                + $"  queue={Escape(death?.Queue)}  reason={Escape(death?.Reason)}  count={death?.Count ?? 0}"
                + $"  time={(death?.Time is { } time ? DeadLetter.Iso(time) : LogText.None)}").ConfigureAwait(false);
        }

        await output.WriteLineAsync(letters.Count == 0
            ? $"No dead letters in {Escape(name)}."
            : letters.Count < ready
                ? $"Showed {letters.Count} of {ready} messages in {Escape(name)}; --limit shows more."
                : $"{letters.Count} {(letters.Count == 1 ? "message" : "messages")} in {Escape(name)}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Prints everything about the dead letter of <paramref name="taskId"/>; exits 1 when none is in the queue.</summary>
    public static async Task<int> ShowAsync(TaskApp app, string? queue, string taskId, TextWriter output, TextWriter error, CancellationToken stop)
    {
        string name = QueueName(app, queue);
        if (await ReadyAsync(app, name, error, stop).ConfigureAwait(false) is null)
        {
            return 1;
        }

        IQueueReader reader = await OpenReaderAsync(app, name, stop).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            (DeadLetter? letter, _) = await FindAsync(reader, taskId, stop).ConfigureAwait(false);
            if (letter is null)
            {
                await error.WriteLineAsync($"No message with task id {Escape(taskId)} in {Escape(name)}.").ConfigureAwait(false);
                return 1;
            }

            await output.WriteAsync(Describe(letter, name)).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>
    /// Sends the dead letter of <paramref name="taskId"/> (or, with <paramref name="all"/>, every one) back to the queue it
    /// died in, or to <paramref name="to"/>, then removes it from the dead-letter queue; exits 1 when the id is not there or
    /// a message could not be replayed.
    /// </summary>
    public static async Task<int> ReplayAsync(TaskApp app, string? queue, string? taskId, bool all, string? to, TextWriter output, TextWriter error, CancellationToken stop)
    {
        if (all == (taskId is not null))
        {
            throw new ArgumentException("deadletters replay needs a task id or --all, not both: deadletters replay <task id>|--all [--to QUEUE].");
        }

        string name = QueueName(app, queue);
        if (await ReadyAsync(app, name, error, stop).ConfigureAwait(false) is not { } ready)
        {
            return 1;
        }

        IQueueReader reader = await OpenReaderAsync(app, name, stop).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!all)
            {
                (DeadLetter? letter, Delivery? delivery) = await FindAsync(reader, taskId!, stop).ConfigureAwait(false);
                if (letter is null || delivery is null)
                {
                    await error.WriteLineAsync($"No message with task id {Escape(taskId)} in {Escape(name)}.").ConfigureAwait(false);
                    return 1;
                }

                return await ReplayOneAsync(app, name, letter, delivery, to, output, error, stop).ConfigureAwait(false) ? 0 : 1;
            }

            // Only what is there now: a replayed task that dies again comes back behind, and must not be met twice.
            int replayed = 0;
            int left = 0;
            for (uint i = 0; i < ready && await reader.GetAsync(stop).ConfigureAwait(false) is { } delivery; i++)
            {
                if (await ReplayOneAsync(app, name, new DeadLetter((int)i + 1, delivery.Message), delivery, to, output, error, stop).ConfigureAwait(false))
                {
                    replayed++;
                }
                else
                {
                    left++;
                }
            }

            await output.WriteLineAsync(left == 0
                ? $"Replayed {replayed} {(replayed == 1 ? "message" : "messages")} from {Escape(name)}."
                : $"Replayed {replayed} {(replayed == 1 ? "message" : "messages")} from {Escape(name)}; {left} left there.").ConfigureAwait(false);
            return left == 0 ? 0 : 1;
        }
    }

    /// <summary>The dead-letter queue to read: <c>--queue</c>, else <see cref="TaskAppOptions.DeadLetterQueue"/>.</summary>
    private static string QueueName(TaskApp app, string? queue) =>
        queue ?? (string.IsNullOrEmpty(app.Options.DeadLetterQueue)
            ? throw new TaskAppConfigurationException("TaskGen:DeadLetterQueue is empty, so there is no dead-letter queue to read: set it, or name the queue with --queue.")
            : app.Options.DeadLetterQueue);

    /// <summary>How many messages wait in the dead-letter queue, or null (with a message saying why) when it does not exist.</summary>
    private static async Task<uint?> ReadyAsync(TaskApp app, string name, TextWriter error, CancellationToken stop)
    {
        if (await app.Transport.InspectQueueAsync(name, stop).ConfigureAwait(false) is { } found)
        {
            return found.Messages;
        }

        await error.WriteLineAsync($"There is no queue {Escape(name)} on {app.Transport.Description}: workers declare it at start when TaskGen:DeadLetterQueue names it.").ConfigureAwait(false);
        return null;
    }

    /// <summary>Opens a reader on the dead-letter queue; a transport that cannot read one is a configuration error (exit 78).</summary>
    private static async Task<IQueueReader> OpenReaderAsync(TaskApp app, string name, CancellationToken stop)
    {
        try
        {
            return await app.Transport.OpenReaderAsync(name, stop).ConfigureAwait(false);
        }
        catch (NotSupportedException ex)
        {
            throw new TaskAppConfigurationException(ex.Message);
        }
    }

    /// <summary>Reads until the message of <paramref name="taskId"/>; what is read before it stays unsettled and goes back with the reader.</summary>
    private static async Task<(DeadLetter?, Delivery?)> FindAsync(IQueueReader reader, string taskId, CancellationToken stop)
    {
        for (int position = 1; await reader.GetAsync(stop).ConfigureAwait(false) is { } delivery; position++)
        {
            var letter = new DeadLetter(position, delivery.Message);
            if (letter.TaskId == taskId)
            {
                return (letter, delivery);
            }
        }

        return (null, null);
    }

    private static async Task<bool> ReplayOneAsync(TaskApp app, string name, DeadLetter letter, Delivery delivery, string? to, TextWriter output, TextWriter error, CancellationToken stop)
    {
        string what = $"{Escape(letter.TaskName)}[{Escape(letter.TaskId)}]";
        string? target = to ?? letter.LastDeath?.Queue;
        if (string.IsNullOrEmpty(target))
        {
            await error.WriteLineAsync($"{what} has no x-death header saying which queue it died in: give --to QUEUE. It stays in {Escape(name)}.").ConfigureAwait(false);
            return false;
        }

        try
        {
            // Confirmed before the ack below: a crash between the two leaves the task in both queues, never in neither.
            await app.Transport.PublishAsync(letter.ForReplay(target), stop).ConfigureAwait(false);
        }
        catch (MessageNotRoutedException)
        {
            await error.WriteLineAsync($"There is no queue {Escape(target)} to replay {what} to; it stays in {Escape(name)}.").ConfigureAwait(false);
            return false;
        }

        await delivery.AckAsync().ConfigureAwait(false);
        if (delivery.Lost.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{what} was replayed to {Escape(target)}, but the broker connection dropped before it left {Escape(name)}: it is there still, and replaying it again would run it twice.").ConfigureAwait(false);
            return true;
        }

        await output.WriteLineAsync($"Replayed {what} to {Escape(target)}.").ConfigureAwait(false);
        return true;
    }

    private static string ListJson(IReadOnlyList<DeadLetter> letters)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (DeadLetter letter in letters)
            {
                Death? death = letter.LastDeath;
                writer.WriteStartObject();
                writer.WriteNumber("position", letter.Position);
                writer.WriteString("id", letter.TaskId);
                writer.WriteString("task", letter.TaskName);
                if (long.TryParse(letter.Retries ?? "0", System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long retries))
                {
                    writer.WriteNumber("retries", retries);
                }
                else
                {
                    writer.WriteString("retries", letter.Retries);
                }

                writer.WriteString("queue", death?.Queue);
                writer.WriteString("reason", death?.Reason);
                writer.WriteNumber("count", death?.Count ?? 0);
                writer.WriteString("time", death?.Time is { } time ? DeadLetter.Iso(time) : null);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Describe(DeadLetter letter, string queue)
    {
        TransportMessage message = letter.Message;
        var text = new StringBuilder();
        text.Append(Escape(letter.TaskName)).Append('[').Append(Escape(letter.TaskId)).Append("] at position ")
            .Append(letter.Position).Append(" in ").Append(Escape(queue)).AppendLine();

        text.AppendLine("headers:");
        foreach (string key in s_taskHeaders)
        {
            Line(text, key, message.Headers.TryGetValue(key, out object? value) ? DeadLetter.Text(value) : null);
        }

        foreach (KeyValuePair<string, object?> header in message.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            if (Array.IndexOf(s_taskHeaders, header.Key) < 0 && header.Key != "x-death")
            {
                Line(text, header.Key, DeadLetter.Text(header.Value));
            }
        }

        MessageProperties properties = message.Properties;
        text.AppendLine("properties:");
        Line(text, "content_type", properties.ContentType);
        Line(text, "content_encoding", properties.ContentEncoding);
        Line(text, "reply_to", properties.ReplyTo);
        Line(text, "correlation_id", properties.CorrelationId);
        Line(text, "delivery_mode", properties.DeliveryMode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Line(text, "priority", properties.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture));

        text.AppendLine("x-death:");
        if (letter.Deaths.Count == 0)
        {
            text.AppendLine("  (none)");
        }

        for (int i = 0; i < letter.Deaths.Count; i++)
        {
            Death death = letter.Deaths[i];
            text.Append("  ").Append(i + 1).Append(". queue=").Append(Escape(death.Queue))
                .Append(" reason=").Append(Escape(death.Reason))
                .Append(" count=").Append(death.Count)
                .Append(" time=").Append(death.Time is { } time ? DeadLetter.Iso(time) : LogText.None)
                .Append(" exchange=").Append(string.IsNullOrEmpty(death.Exchange) ? "(default)" : Escape(death.Exchange))
                .Append(" routing-keys=").Append(Escape(string.Join(",", death.RoutingKeys)))
                .AppendLine();
        }

        text.Append("body: ").Append(message.Body.Length).Append(message.Body.Length == 1 ? " byte" : " bytes");
        if (PrettyJson(message.Body) is { } pretty)
        {
            text.AppendLine(", JSON:");
            foreach (string line in pretty.Split('\n'))
            {
                text.Append("  ").AppendLine(line);
            }
        }
        else
        {
            ReadOnlySpan<byte> head = message.Body.Span[..Math.Min(HexBytes, message.Body.Length)];
            text.Append(", not JSON: ").Append(Convert.ToHexString(head).ToLowerInvariant())
                .AppendLine(message.Body.Length > HexBytes ? "…" : string.Empty);
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string key, string? value) =>
        text.Append("  ").Append(Escape(key)).Append(": ").AppendLine(Escape(value));

    /// <summary>The body indented for reading, or null when it is not JSON; the writer escapes what a terminal must not get raw.</summary>
    private static string? PrettyJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                document.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Escape(string? text) => LogText.Escape(text);
}
