using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// One of the process's connections to RabbitMQ, for consuming, for publishing, or for unconfirmed results: opened on
/// first use, recovered by RabbitMQ.Client after a network failure, and the factory of the channels of its role. Consuming
/// is kept apart because under a memory or disk alarm the broker stops reading from every connection that publishes,
/// and acknowledgements must keep flowing to drain the backlog that raised it.
/// </summary>
internal sealed partial class RabbitMqConnection : IAsyncDisposable
{
    private readonly ConnectionFactory _factory;
    private readonly IReadOnlyList<AmqpTcpEndpoint>? _endpoints;
    private readonly string _name;
    private readonly string _role;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private static readonly CancellationTokenSource s_ended = CreateEnded();
    private CancellationTokenSource _life = new();
    private IConnection? _connection;
    private bool _disposed;

    /// <param name="factory">The settings shared by the process's connections.</param>
    /// <param name="description">The broker, password redacted.</param>
    /// <param name="name">The connection name shown in RabbitMQ's management tools.</param>
    /// <param name="role">What the connection is for (<c>consuming</c>, <c>publishing</c>, <c>results</c>), as log lines name it.</param>
    /// <param name="logger">Logging for connection events.</param>
    /// <param name="endpoints">The nodes of a failover list; null for the factory's one.</param>
    public RabbitMqConnection(ConnectionFactory factory, string description, string name, string role, ILogger logger, IReadOnlyList<AmqpTcpEndpoint>? endpoints = null)
    {
        _factory = factory;
        _endpoints = endpoints;
        Description = description;
        _name = name;
        _role = role;
        _logger = logger;
    }

    /// <summary>The broker, password redacted.</summary>
    public string Description { get; }

    public ILogger Logger => _logger;

    /// <summary>Whether the connection is up now (false while RabbitMQ.Client recovers it).</summary>
    public bool IsOpen => _connection?.IsOpen == true;

    /// <summary>
    /// Cancelled when the connection as it is now is lost, and already cancelled from then until RabbitMQ.Client has
    /// finished recovering it. A channel taken with it knows its life ended even when the client has recovered it in
    /// place since, with delivery tags that no longer mean what they did (an ack of a tag below the recovered channel's
    /// offset is dropped without a word). Read it before opening a channel, and open none while it is cancelled: the
    /// recovery reopens the old channels, and a channel opened or closed in the middle of it can take or end another's number.
    /// </summary>
    public CancellationToken Life => Volatile.Read(ref _life).Token;

    private static CancellationTokenSource CreateEnded()
    {
        var ended = new CancellationTokenSource();
        ended.Cancel();
        return ended;
    }

    /// <summary>Channel options with every setting explicit: RabbitMQ.Client's defaults override the factory's.</summary>
    public static CreateChannelOptions Plain { get; } =
        new(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, outstandingPublisherConfirmationsRateLimiter: null, consumerDispatchConcurrency: 1);

    public async ValueTask<IConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null)
            {
                return _connection;
            }

            IConnection connection;
            try
            {
                // With several endpoints RabbitMQ.Client tries them in turn, and recovery moves to another when this one goes.
                connection = _endpoints is null
                    ? await _factory.CreateConnectionAsync(_name, cancellationToken).ConfigureAwait(false)
                    : await _factory.CreateConnectionAsync(_endpoints, _name, cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerUnreachableException ex)
            {
                throw new BrokerException($"Cannot connect to RabbitMQ at {Description}: {Innermost(ex).Message}", ex);
            }

            connection.ConnectionShutdownAsync += async (_, args) =>
            {
                if (args.Initiator != ShutdownInitiator.Application)
                {
                    LogConnectionLost(_logger, Description, _role, args.ReplyText);
                }

                // Ended here, whether or not the client recovers the connection and its channels in place afterwards;
                // no new life begins until that recovery is over.
                await Interlocked.Exchange(ref _life, s_ended).CancelAsync().ConfigureAwait(false);
            };
            connection.RecoverySucceededAsync += (_, _) =>
            {
                LogConnectionRecovered(_logger, Description, _role);
                Interlocked.Exchange(ref _life, new CancellationTokenSource());
                return Task.CompletedTask;
            };
            connection.ConnectionBlockedAsync += (_, args) =>
            {
                LogConnectionBlocked(_logger, Description, _role, args.Reason);
                return Task.CompletedTask;
            };
            connection.ConnectionUnblockedAsync += (_, _) =>
            {
                LogConnectionUnblocked(_logger, Description, _role);
                return Task.CompletedTask;
            };
            LogConnected(_logger, Description, _role);
            _connection = connection;
            return connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<IChannel> CreateChannelAsync(CreateChannelOptions? options, CancellationToken cancellationToken)
    {
        IConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.CreateChannelAsync(options ?? Plain, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyClosedException ex)
        {
            throw new BrokerException($"The connection to RabbitMQ at {Description} is down ({ex.ShutdownReason?.ReplyText ?? ex.Message}); it is being recovered.", ex);
        }
    }

    /// <summary>The cause under RabbitMQ.Client's wrappers (an aggregate of one TLS or socket error, say).</summary>
    private static Exception Innermost(Exception exception)
    {
        Exception cause = exception;
        // ConnectFailureException only says "Connection failed, host ..."; the socket error under it says why (refused, no route).
        while (cause.InnerException is { } inner
            && (cause is BrokerUnreachableException or AggregateException or ConnectFailureException || cause.Message.StartsWith("One or more errors occurred", StringComparison.Ordinal)))
        {
            cause = inner;
        }

        return cause;
    }

    /// <summary>Turns the broker closing a channel on an operation into our exception, with its reason and reply code.</summary>
    public static BrokerException Refused(string what, OperationInterruptedException ex, bool messageRefused = false) =>
        new($"{what}: {ex.ShutdownReason?.ReplyText ?? ex.Message}", ex, ex.ShutdownReason?.ReplyCode ?? 0) { MessageRefused = messageRefused };

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_connection is not null)
            {
                await _connection.CloseAsync().ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Broker} for {Role}.")]
    private static partial void LogConnected(ILogger logger, string broker, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection to RabbitMQ at {Broker} for {Role} lost: {Reason}; recovering.")]
    private static partial void LogConnectionLost(ILogger logger, string broker, string role, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to RabbitMQ at {Broker} for {Role} recovered.")]
    private static partial void LogConnectionRecovered(ILogger logger, string broker, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ at {Broker} blocked the connection for {Role} ({Reason}); its publishes wait until the broker's alarm clears.")]
    private static partial void LogConnectionBlocked(ILogger logger, string broker, string role, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ at {Broker} unblocked the connection for {Role}.")]
    private static partial void LogConnectionUnblocked(ILogger logger, string broker, string role);
}
