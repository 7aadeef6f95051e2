using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Scheduling;

/// <summary>The leader record: the epoch and node of the term in force, kept in a last-value queue for readers outside the election.</summary>
internal sealed partial class RabbitMqBeatElection
{
    private async ValueTask<long> BeginEpochAsync(Term term, CancellationToken cancellationToken)
    {
        try
        {
            LeaderRecord? previous = await ReadInfoAsync(cancellationToken).ConfigureAwait(false);
            long epoch = (previous?.Epoch ?? 0) + 1;
            Volatile.Write(ref _epoch, epoch);
            await WriteInfoAsync(term.Since, epoch, cancellationToken).ConfigureAwait(false);
            return epoch;
        }
        catch (Exception ex) when (ex is BrokerException or MessageNotRoutedException or TimeoutException)
        {
            // The role is the broker's to give, not the record's: lead without a count rather than not at all.
            LogEpochUnknown(_logger, InfoQueue, ex.Message);
            Volatile.Write(ref _epoch, 0);
            return 0;
        }
    }

    private async ValueTask RenewIfLeadingAsync(CancellationToken cancellationToken)
    {
        Term? term;
        lock (_lock)
        {
            term = _term;
        }

        long epoch = Volatile.Read(ref _epoch);
        if (term is not null && epoch > 0 && Leads(term) && _time.GetUtcNow() - _renewed >= _lease)
        {
            await WriteInfoAsync(term.Since, epoch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteInfoAsync(DateTimeOffset since, long epoch, CancellationToken cancellationToken)
    {
        DateTimeOffset renewed = _time.GetUtcNow();
        var body = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("node", _node);
            writer.WriteString("since", since);
            writer.WriteNumber("epoch", epoch);
            writer.WriteString("renewed", renewed);
            writer.WriteEndObject();
        }

        await _transport.PublishAsync(
            new TransportMessage(
                string.Empty,
                InfoQueue,
                new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 2 },
                new Dictionary<string, object?>(StringComparer.Ordinal),
                body.WrittenMemory.ToArray()),
            cancellationToken).ConfigureAwait(false);
        _renewed = renewed;
    }

    private async ValueTask<LeaderRecord?> ReadInfoAsync(CancellationToken cancellationToken)
    {
        await _transport.DeclareQueueAsync(InfoQueueSpecification(), cancellationToken).ConfigureAwait(false);
        IQueueReader reader = await _transport.OpenReaderAsync(InfoQueue, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            // Left unsettled, the record goes back to the queue when the reader closes: reading it takes nothing away.
            Delivery? delivery = await reader.GetAsync(cancellationToken).ConfigureAwait(false);
            return delivery is null ? null : LeaderRecord.Parse(delivery.Message.Body);
        }
    }

    /// <summary>The leader record in the info queue.</summary>
    private sealed record LeaderRecord(string Node, DateTimeOffset Since, long Epoch, DateTimeOffset Renewed)
    {
        public static LeaderRecord? Parse(ReadOnlyMemory<byte> body)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(body);
                JsonElement root = document.RootElement;
                return root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("node", out JsonElement node) && node.ValueKind == JsonValueKind.String
                    && root.TryGetProperty("since", out JsonElement since) && since.TryGetDateTimeOffset(out DateTimeOffset sinceValue)
                    && root.TryGetProperty("epoch", out JsonElement epoch) && epoch.TryGetInt64(out long epochValue)
                    && root.TryGetProperty("renewed", out JsonElement renewed) && renewed.TryGetDateTimeOffset(out DateTimeOffset renewedValue)
                    ? new LeaderRecord(node.GetString()!, sinceValue, epochValue, renewedValue)
                    : null;
            }
            catch (JsonException)
            {
                // A record nobody can read counts as no record: the next epoch starts from 1 again.
                return null;
            }
        }
    }
}
