using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Control;

/// <summary>
/// Sends remote-control requests to workers (TaskGen's or Python Celery's) and collects their replies, as
/// <c>celery inspect</c> and <c>celery status</c> do.
/// </summary>
public sealed class RemoteControlClient
{
    private readonly ITransport _transport;

    /// <summary>Creates a client that reaches the workers through <paramref name="app"/>'s broker.</summary>
    /// <param name="app">The app whose broker the workers use.</param>
    public RemoteControlClient(TaskApp app)
        : this((app ?? throw new ArgumentNullException(nameof(app))).Transport)
    {
    }

    /// <summary>Creates a client over <paramref name="transport"/>.</summary>
    /// <param name="transport">The transport to the broker the workers use.</param>
    internal RemoteControlClient(ITransport transport) => _transport = transport;

    /// <summary>Asks every node (or the named ones) whether it is alive.</summary>
    /// <param name="timeout">How long to wait for replies.</param>
    /// <param name="destination">The node names to ask, or null for all.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyList<ControlReply>> PingAsync(TimeSpan timeout, IReadOnlyList<string>? destination = null, CancellationToken cancellationToken = default) =>
        CallAsync("ping", null, timeout, destination, cancellationToken);

    /// <summary>
    /// Sends <paramref name="method"/> to the nodes and collects replies until <paramref name="timeout"/>,
    /// or until every destination has answered.
    /// </summary>
    /// <param name="method">The command: <c>ping</c>, <c>registered</c>, <c>active</c>, <c>stats</c>, <c>active_queues</c>, <c>revoke</c>, ...</param>
    /// <param name="arguments">Writes the command's arguments as the properties of a JSON object, or null for none.</param>
    /// <param name="timeout">How long to wait for replies.</param>
    /// <param name="destination">The node names to ask, or null for all.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<IReadOnlyList<ControlReply>> CallAsync(string method, Action<Utf8JsonWriter>? arguments, TimeSpan timeout, IReadOnlyList<string>? destination = null, CancellationToken cancellationToken = default)
    {
        string clientId = Guid.NewGuid().ToString();
        string ticket = Guid.NewGuid().ToString();
        await _transport.DeclareExchangeAsync(Pidbox.RequestExchange, cancellationToken).ConfigureAwait(false);
        await _transport.DeclareExchangeAsync(Pidbox.ReplyExchangeSpecification, cancellationToken).ConfigureAwait(false);
        string replyQueue = await _transport.DeclareQueueAsync(Pidbox.ReplyQueue(clientId), cancellationToken).ConfigureAwait(false);
        await _transport.BindQueueAsync(replyQueue, Pidbox.ReplyExchange, clientId, cancellationToken).ConfigureAwait(false);

        var replies = Channel.CreateUnbounded<ControlReply>();
        ITransportConsumer consumer = await _transport.ConsumeAsync(replyQueue, 100, autoAck: true, delivery =>
        {
            if (TicketOf(delivery) == ticket)
            {
                foreach (ControlReply reply in ReadReplies(delivery.Message.Body))
                {
                    replies.Writer.TryWrite(reply);
                }
            }

            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);

        try
        {
            await _transport.PublishAsync(Request(method, arguments, destination, ticket, clientId), cancellationToken).ConfigureAwait(false);
            var collected = new List<ControlReply>();
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(timeout);
            try
            {
                while (destination is null || collected.Count < destination.Count)
                {
                    collected.Add(await replies.Reader.ReadAsync(window.Token).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            return collected;
        }
        finally
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TransportMessage Request(string method, Action<Utf8JsonWriter>? arguments, IReadOnlyList<string>? destination, string ticket, string clientId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("method", method);
            writer.WriteStartObject("arguments");
            arguments?.Invoke(writer);
            writer.WriteEndObject();
            if (destination is null)
            {
                writer.WriteNull("destination");
            }
            else
            {
                writer.WriteStartArray("destination");
                foreach (string node in destination)
                {
                    writer.WriteStringValue(node);
                }

                writer.WriteEndArray();
            }

            writer.WriteNull("pattern");
            writer.WriteNull("matcher");
            writer.WriteString("ticket", ticket);
            writer.WriteStartObject("reply_to");
            writer.WriteString("exchange", Pidbox.ReplyExchange);
            writer.WriteString("routing_key", clientId);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var headers = new Dictionary<string, object?> { ["clock"] = 1, ["expires"] = 0 };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = 1 };
        return new TransportMessage(Pidbox.Exchange, string.Empty, properties, headers, buffer.WrittenMemory) { Mandatory = false };
    }

    private static string? TicketOf(Delivery delivery)
    {
        try
        {
            return Protocol.TaskMessageCodec.HeaderString(delivery.Message.Headers, "ticket");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A header no one can read belongs to no request of ours.
            return null;
        }
    }

    private static List<ControlReply> ReadReplies(ReadOnlyMemory<byte> body)
    {
        var replies = new List<ControlReply>(1);

        // A reply nobody can read answers nothing and the node counts as silent; invalid UTF-8 is checked
        // first because the JSON reader only finds it when a name is read.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return replies;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty node in document.RootElement.EnumerateObject())
                {
                    replies.Add(new ControlReply(node.Name, node.Value.Clone()));
                }
            }
        }
        catch (JsonException)
        {
            replies.Clear();
        }

        return replies;
    }
}
