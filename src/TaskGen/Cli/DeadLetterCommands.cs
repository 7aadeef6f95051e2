using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Diagnostics;
using TaskGen.Hosting;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Cli;

/// <summary>
/// The <c>deadletters</c> commands: list, show and replay what workers rejected. Each walks the dead-letter queue once
/// (<see cref="DeadLetterSweep"/>), so that reading it never counts against a quorum queue's delivery limit, and a
/// replay is published (and confirmed) before it is removed, so a crash in between can only duplicate a task, never
/// lose it.
/// </summary>
internal static class DeadLetterCommands
{
    // A walk that lost its channel counts the queue this often after it ends: for at least the shorter time, and for
    // up to the longer one while replays whose removal was not proven have not all come back.
    private static readonly TimeSpan RecountPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RecountLeast = TimeSpan.FromSeconds(3);

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
        await SweepAsync(app, name, ready.Value, letter =>
        {
            if (letters.Count < most)
            {
                letters.Add(letter);
            }

            return ValueTask.FromResult<string?>(null);
        }, NoReplays, stop).ConfigureAwait(false);

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
        if (await ReadyAsync(app, name, error, stop).ConfigureAwait(false) is not { } ready)
        {
            return 1;
        }

        DeadLetter? found = null;
        await SweepAsync(app, name, ready, letter =>
        {
            found ??= letter.TaskId == taskId ? letter : null;
            return ValueTask.FromResult<string?>(null);
        }, NoReplays, stop).ConfigureAwait(false);

        if (found is null)
        {
            await error.WriteLineAsync($"No message with task id {Escape(taskId)} in {Escape(name)}.").ConfigureAwait(false);
            return 1;
        }

        await output.WriteAsync(Describe(found, name)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Sends the dead letter of <paramref name="taskId"/> (or, with <paramref name="all"/>, every one) back to the queue it
    /// died in, or to <paramref name="to"/>, then removes it from the dead-letter queue; exits 1 when the id is not there or
    /// a message could not be replayed, or not known to be replayed once.
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

        // Only what is there now: a replayed task that dies again comes back behind, and must not be met twice.
        bool found = false;
        int replayed = 0;
        int left = 0;
        DeadLetterSweep sweep = await SweepAsync(app, name, ready, async letter =>
        {
            if (!all && (found || letter.TaskId != taskId))
            {
                return null;
            }

            found = true;
            string? target = to ?? letter.LastDeath?.Queue;
            if (string.IsNullOrEmpty(target))
            {
                left++;
                await error.WriteLineAsync($"{What(letter)} has no x-death header saying which queue it died in: give --to QUEUE. It stays in {Escape(name)}.").ConfigureAwait(false);
                return null;
            }

            return target;
        }, async (letter, target, outcome) =>
        {
            if (outcome is MoveOutcome.Moved or MoveOutcome.CopiedNotRemoved)
            {
                replayed++;
                await output.WriteLineAsync($"Replayed {What(letter)} to {Escape(target)}.").ConfigureAwait(false);
                return;
            }

            left++;
            await error.WriteLineAsync(outcome switch
            {
                MoveOutcome.NotRouted => $"There is no queue {Escape(target)} to replay {What(letter)} to; it stays in {Escape(name)}.",
                MoveOutcome.Refused => $"RabbitMQ refused the replay of {What(letter)} to {Escape(target)}; it stays in {Escape(name)}.",
                _ => $"Not settled: the broker connection dropped before the replay of {What(letter)} to {Escape(target)} was confirmed. "
                    + $"It stays in {Escape(name)} and may be in {Escape(target)} as well: check there before replaying it again.",
            }).ConfigureAwait(false);
        }, stop).ConfigureAwait(false);

        if (!all)
        {
            if (!found)
            {
                await error.WriteLineAsync($"No message with task id {Escape(taskId)} in {Escape(name)}.").ConfigureAwait(false);
            }

            return found && left == 0 ? 0 : 1;
        }

        if (sweep.LostChannel && await RecountAsync(app, name, (uint)(left + sweep.UnprovenMoves), stop).ConfigureAwait(false) is var there && there > left)
        {
            // Replayed, but their removal went with the dropped connection: they are in both queues, and said so here.
            await error.WriteLineAsync(
                $"{there - left} more {(there - left == 1 ? "message is" : "messages are")} back in {Escape(name)} than this replay left there: the connection dropped "
                + "before their removal was known, so they may have been replayed as well. List them before replaying again.").ConfigureAwait(false);
            left = (int)there;
        }

        await output.WriteLineAsync(left == 0
            ? $"Replayed {replayed} {(replayed == 1 ? "message" : "messages")} from {Escape(name)}."
            : $"Replayed {replayed} {(replayed == 1 ? "message" : "messages")} from {Escape(name)}; {left} left there.").ConfigureAwait(false);
        return left == 0 ? 0 : 1;
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

    private static ValueTask NoReplays(DeadLetter letter, string target, MoveOutcome outcome) => ValueTask.CompletedTask;

    /// <summary>Walks the <paramref name="ready"/> messages of the dead-letter queue once, as <see cref="DeadLetterSweep"/> describes.</summary>
    /// <returns>The walk, which says whether it lost its channel on the way (<see cref="DeadLetterSweep.LostChannel"/>).</returns>
    private static async Task<DeadLetterSweep> SweepAsync(
        TaskApp app, string name, uint ready, Func<DeadLetter, ValueTask<string?>> choose, Func<DeadLetter, string, MoveOutcome, ValueTask> replayed, CancellationToken stop)
    {
        IQueueReader reader = await OpenReaderAsync(app, name, stop).ConfigureAwait(false);
        var sweep = new DeadLetterSweep(reader, ready);
        await using (reader.ConfigureAwait(false))
        {
            await sweep.RunAsync(choose, replayed, stop).ConfigureAwait(false);
        }

        return sweep;
    }

    /// <summary>
    /// Counts the dead-letter queue after a walk that lost its channel, keeping the highest count: the broker puts back
    /// what the lost channel held once it notices the old connection gone, which may be after the walk ended (seconds,
    /// on a busy broker). It counts for a few seconds, and on while fewer than <paramref name="mayBeThere"/> are seen,
    /// up to the time a walk waits for stragglers.
    /// </summary>
    private static async Task<uint> RecountAsync(TaskApp app, string name, uint mayBeThere, CancellationToken stop)
    {
        uint most = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            most = Math.Max(most, (await app.Transport.InspectQueueAsync(name, stop).ConfigureAwait(false))?.Messages ?? 0);
            if ((clock.Elapsed >= RecountLeast && most >= mayBeThere) || clock.Elapsed >= DeadLetterSweep.StragglerWait)
            {
                return most;
            }

            await Task.Delay(RecountPause, stop).ConfigureAwait(false);
        }
    }

    private static string What(DeadLetter letter) => $"{Escape(letter.TaskName)}[{Escape(letter.TaskId)}]";

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
