using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// Publishes on four channels kept apart by how much a failure may cost: a confirming channel for tasks and results
/// (each publish completes when the broker has the message, and a mandatory message no queue took fails),
/// an unconfirmed one for results when <c>WorkerConfirmResults</c> is off (their destination is always the default
/// exchange, so nothing but the connection can close it), one for events, and one for destinations taken from messages
/// (remote-control replies), whose missing exchange closes only that channel.
/// </summary>
/// <remarks>
/// <para>
/// Results are confirmed because a task's acknowledgement travels on the consuming connection: nothing orders it after
/// an unconfirmed result on this one, so a worker killed between the two would lose a result the broker counts as done.
/// A confirmed result lost with its connection fails its publish instead, and the task is held or redelivered.
/// </para>
/// <para>
/// Unconfirmed results have a connection of their own, opened only if one is sent. When the broker closes a channel for a
/// message's fault, RabbitMQ.Client may still write a publish on it after its close-ok, and the broker closes the whole
/// connection for that, dropping what it had not read; unconfirmed results dropped so would be lost without a trace.
/// </para>
/// </remarks>
internal sealed partial class RabbitMqPublisher : IAsyncDisposable
{
    /// <summary>How often a confirmed publish is tried when the channel closes under it for another message's fault.</summary>
    private const int Attempts = 3;

    private readonly RabbitMqConnection _connection;

    // RabbitMQ.Client's limiter refuses a publish beyond its limit instead of queueing it, so callers that
    // send thousands at once wait here for a slot.
    private readonly SemaphoreSlim _confirmWindow = new(RabbitMqTransport.MaxOutstandingConfirms, RabbitMqTransport.MaxOutstandingConfirms);
    private readonly Lane _confirmed;
    private readonly Lane _results;
    private readonly Lane _bestEffort;
    private readonly Lane _untrusted;
    private volatile bool _lanesOpen;

    public RabbitMqPublisher(RabbitMqConnection connection, RabbitMqConnection results)
    {
        _connection = connection;
        _confirmed = new Lane(connection, new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(RabbitMqTransport.MaxOutstandingConfirms, throttlingPercentage: null),
            consumerDispatchConcurrency: 1));
        _results = new Lane(results, RabbitMqConnection.Plain) { Returned = OnReturned };
        _bestEffort = new Lane(connection, RabbitMqConnection.Plain) { Returned = OnReturned };
        _untrusted = new Lane(connection, RabbitMqConnection.Plain) { Returned = OnReturned };
    }

    public async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        if (!_lanesOpen)
        {
            await OpenLanesAsync(cancellationToken).ConfigureAwait(false);
        }

        BasicProperties properties = RabbitMqProperties.Write(message);
        if (!message.Confirm)
        {
            Lane lane = message.Untrusted ? _untrusted : message.BestEffort ? _bestEffort : _results;
            await lane.PublishSerializedAsync(message, properties, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _confirmWindow.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                IChannel channel = await _confirmed.ChannelAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await channel.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, properties, message.Body, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PublishException ex) when (ex.IsReturn)
                {
                    throw new MessageNotRoutedException(message.Exchange, message.RoutingKey);
                }
                catch (PublishException ex)
                {
                    throw new BrokerException($"RabbitMQ at {_connection.Description} refused the message to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' (nack).", ex);
                }
                catch (OperationInterruptedException ex) when (attempt < Attempts && _connection.IsOpen && !IsAtFault(ex, message))
                {
                    // The channel closed under this publish for another message's fault (an oversized body, a
                    // missing exchange): the broker dropped what was unconfirmed, so send it again on a new channel.
                    // A message that is itself at fault is reported at once: sent again, it would close the new
                    // channel too, under every message that shares it.
                }
                catch (OperationInterruptedException ex)
                {
                    throw RabbitMqConnection.Refused($"Publishing to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' failed", ex, IsAtFault(ex, message));
                }
            }
        }
        finally
        {
            _confirmWindow.Release();
        }
    }

    /// <summary>
    /// Opens every lane's channel on the shared connection with the first publish: once one lane publishes under a broker
    /// alarm, the broker reads nothing more from the connection, so a lane opening its channel later (a control reply after
    /// a worker's first heartbeat event, say) would wait for the alarm to clear, while an open channel's publish only has
    /// to reach the socket. The unconfirmed results' connection publishes nothing else, so its lane opens with its first result.
    /// </summary>
    private async ValueTask OpenLanesAsync(CancellationToken cancellationToken)
    {
        await _bestEffort.ChannelAsync(cancellationToken).ConfigureAwait(false);
        await _untrusted.ChannelAsync(cancellationToken).ConfigureAwait(false);
        await _confirmed.ChannelAsync(cancellationToken).ConfigureAwait(false);
        _lanesOpen = true;
    }

    /// <summary>
    /// Whether the broker closed the channel because of <paramref name="message"/> itself, as its reason names: a body of
    /// this message's size over <c>max_message_size</c>, or this message's exchange missing.
    /// </summary>
    internal static bool IsAtFault(OperationInterruptedException exception, TransportMessage message)
    {
        string reason = exception.ShutdownReason?.ReplyText ?? string.Empty;
        return reason.Contains($"message size {message.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)} ", StringComparison.Ordinal)
            || (message.Exchange.Length > 0 && reason.Contains($"no exchange '{message.Exchange}'", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _confirmed.DisposeAsync().ConfigureAwait(false);
        await _results.DisposeAsync().ConfigureAwait(false);
        await _bestEffort.DisposeAsync().ConfigureAwait(false);
        await _untrusted.DisposeAsync().ConfigureAwait(false);
    }

    private void OnReturned(string exchange, string routingKey, string reason) => LogReturned(_connection.Logger, exchange, routingKey, reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ returned an unconfirmed message to exchange '{Exchange}' with routing key '{RoutingKey}': {Reason}.")]
    private static partial void LogReturned(ILogger logger, string exchange, string routingKey, string reason);

    /// <summary>One publishing channel, replaced when the broker closes it while the connection lives.</summary>
    private sealed class Lane(RabbitMqConnection connection, CreateChannelOptions options) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        // A channel without confirm tracking is not safe for concurrent publishes, so those take turns.
        private readonly SemaphoreSlim _turn = new(1, 1);
        private IChannel? _channel;

        public Action<string, string, string>? Returned { get; init; }

        public async ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
        {
            if (_channel is { IsOpen: true } open)
            {
                return open;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_channel is { IsOpen: true } reopened)
                {
                    return reopened;
                }

                // While the connection recovers, RabbitMQ.Client reopens its channels itself; a channel the
                // broker closed on its own (the connection alive) is ours to replace.
                if (_channel is not null && !connection.IsOpen)
                {
                    return _channel;
                }

                if (_channel is not null)
                {
                    await _channel.DisposeAsync().ConfigureAwait(false);
                }

                IChannel channel = await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
                if (Returned is { } returned)
                {
                    channel.BasicReturnAsync += (_, args) =>
                    {
                        returned(args.Exchange, args.RoutingKey, args.ReplyText);
                        return Task.CompletedTask;
                    };
                }

                _channel = channel;
                return channel;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask PublishSerializedAsync(TransportMessage message, BasicProperties properties, CancellationToken cancellationToken)
        {
            IChannel channel = await ChannelAsync(cancellationToken).ConfigureAwait(false);
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await channel.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, properties, message.Body, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex)
            {
                throw RabbitMqConnection.Refused($"Publishing to exchange '{message.Exchange}' with routing key '{message.RoutingKey}' failed", ex);
            }
            finally
            {
                _turn.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
