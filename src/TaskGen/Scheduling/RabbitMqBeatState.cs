using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>
/// Keeps each entry's last sent tick in the broker, recorded by the tick's own publish: the tick carries RabbitMQ's
/// <c>BCC</c> header naming the entry's last-value queue, <c>taskgen.beat.&lt;name&gt;.last.&lt;entry&gt;</c>
/// (durable, <c>x-max-length: 1</c>, drop-head), so the broker routes a copy there in the same publish, and the
/// queue keeps only the newest. RabbitMQ strips <c>BCC</c> before delivery, so workers, Python's included, never
/// see it. A new leader reads each queue without consuming it (get, then requeue).
/// </summary>
internal sealed class RabbitMqBeatState : IBeatState
{
    /// <summary>RabbitMQ's sender-selected distribution header: extra routing keys, removed from the delivered message.</summary>
    public const string BccHeader = "BCC";

    private readonly ITransport _transport;
    private readonly string _prefix;

    /// <summary>Creates the state store of the schedule <paramref name="options"/> names on <paramref name="transport"/>.</summary>
    /// <param name="transport">The app's RabbitMQ transport.</param>
    /// <param name="options">The schedule's name.</param>
    public RabbitMqBeatState(ITransport transport, SchedulerOptions options)
    {
        _transport = transport;
        _prefix = $"taskgen.beat.{options.Name}.last.";
    }

    /// <summary>The last-value queue of <paramref name="entry"/>.</summary>
    /// <param name="entry">The entry's name.</param>
    public string QueueOf(string entry) => _prefix + entry;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, DateTimeOffset>> ReadLastTicksAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken cancellationToken)
    {
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (ScheduleEntry entry in entries)
        {
            string queue = QueueOf(entry.Name);

            // Declared at every term's start, before any tick of the term names it: a BCC key that routes nowhere
            // drops the record silently, and an operator may have deleted the queue since the last term.
            await _transport.DeclareQueueAsync(LastTickQueue(queue), cancellationToken).ConfigureAwait(false);
            if (ExchangeOf(entry) is { Length: > 0 } exchange)
            {
                // BCC keys are routed by the exchange the tick is published to; only the default exchange knows
                // every queue by name.
                await _transport.BindQueueAsync(queue, exchange, queue, cancellationToken).ConfigureAwait(false);
            }

            IQueueReader reader = await _transport.OpenReaderAsync(queue, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                // Left unsettled, the record goes back to its queue when the reader closes.
                Delivery? record = await reader.GetAsync(cancellationToken).ConfigureAwait(false);
                if (record is not null
                    && record.Message.Headers.TryGetValue(BeatTicks.Header, out object? value)
                    && BeatTicks.TryParseHeader(HeaderText(value), out string name, out DateTimeOffset tick)
                    && name == entry.Name)
                {
                    last[entry.Name] = tick;
                }
            }
        }

        return last;
    }

    /// <inheritdoc />
    public void PrepareTick(ScheduleEntry entry, DateTimeOffset tick, IDictionary<string, object?> headers)
    {
        // RabbitMQ honours BCC only as an array of strings; a list goes on the wire as one (AMQP field type 'A').
        headers[BccHeader] = new List<object?> { QueueOf(entry.Name) };
    }

    /// <inheritdoc />
    public async ValueTask RecordBaselineAsync(ScheduleEntry entry, DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Not a task: a record alone, read back like a tick's BCC copy by its header.
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [BeatTicks.Header] = BeatTicks.HeaderValue(entry.Name, since) };
        await _transport.PublishAsync(
            new TransportMessage(string.Empty, QueueOf(entry.Name), new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 2 }, headers, "{}"u8.ToArray()),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask TickSentAsync(ScheduleEntry entry, DateTimeOffset tick, CancellationToken cancellationToken) =>

        // The tick's publish recorded it already, in the same confirmed publish.
        ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>An entry's last-value queue: durable, and holding the newest tick only (the default overflow drops the oldest).</summary>
    internal static QueueSpecification LastTickQueue(string name) => new(
        name,
        Durable: true,
        Arguments: new Dictionary<string, object?>(StringComparer.Ordinal) { ["x-max-length"] = 1 });

    /// <summary>The exchange a tick of <paramref name="entry"/> is published to when its call names one; ticks have no ETA, so otherwise it is the default exchange.</summary>
    private static string? ExchangeOf(ScheduleEntry entry) => entry.Signature.Options?.Exchange;

    /// <summary>A header value as text: AMQP long strings arrive as UTF-8 bytes.</summary>
    private static string? HeaderText(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    };
}
