using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Events;
using TaskGen.Transport;

namespace TaskGen.Monitor.State;

/// <summary>
/// Consumes every event on <c>celeryev</c> into the store, through a queue of its own as Celery's event receiver
/// does (auto-deleted, short-lived messages), so it sees TaskGen and Python workers alike and leaves nothing behind.
/// </summary>
internal sealed partial class MonitorEventConsumer(TaskApp app, MonitorStore store, ILogger<MonitorEventConsumer> logger) : BackgroundService
{
    /// <summary>Events older than this in the queue are dropped by the broker, as Celery's <c>event_queue_ttl</c>.</summary>
    private static readonly TimeSpan s_messageTtl = TimeSpan.FromSeconds(5);

    /// <summary>The queue goes this long after the monitor does, as Celery's <c>event_queue_expires</c>.</summary>
    private static readonly TimeSpan s_queueExpires = TimeSpan.FromSeconds(60);

    private readonly string _queue = $"celeryev.taskgen-monitor.{Guid.NewGuid():N}";

    private volatile bool _down;

    /// <summary>
    /// Whether events have stopped arriving because the consumer is lost and not back yet (false while it starts), for
    /// the monitor's health check: a monitor that sees nothing must not say it is fine.
    /// </summary>
    public bool Down => _down;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ITransport transport = app.Transport;
        var retry = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            // The transport restores a consumer on its own for a while, then gives up and says so through Failed; the
            // loop then starts a new one, so a long broker outage ends with events flowing again.
            var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await using ITransportConsumer consumer = await transport.ConsumeAsync(new ConsumerSpecification(_queue, OnEventAsync)
                {
                    Prefetch = 512,
                    AutoAck = true,
                    Prepare = PrepareAsync,
                    Interrupted = reason => LogInterrupted(logger, reason),
                    Failed = ex => failed.TrySetResult(ex),
                }, stoppingToken).ConfigureAwait(false);
                _down = false;
                retry = TimeSpan.FromSeconds(1);
                LogConsuming(logger, transport.Description);
                Exception lost = await failed.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
                _down = true;
                LogNotConsuming(logger, transport.Description, lost.Message, retry.TotalSeconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _down = true;
                LogNotConsuming(logger, transport.Description, ex.Message, retry.TotalSeconds);
            }

            try
            {
                await Task.Delay(retry, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromSeconds(Math.Min(30, retry.TotalSeconds * 2));
        }
    }

    private async ValueTask<string> PrepareAsync(CancellationToken cancellationToken)
    {
        ITransport transport = app.Transport;
        await transport.DeclareExchangeAsync(new ExchangeSpecification(EventMessage.Exchange, ExchangeKind.Topic), cancellationToken).ConfigureAwait(false);
        string queue = await transport.DeclareQueueAsync(new QueueSpecification(_queue, Durable: false, AutoDelete: true, Expires: s_queueExpires, MessageTtl: s_messageTtl), cancellationToken).ConfigureAwait(false);
        await transport.BindQueueAsync(queue, EventMessage.Exchange, "#", cancellationToken).ConfigureAwait(false);
        return queue;
    }

    private ValueTask OnEventAsync(Delivery delivery)
    {
        store.Ingest(delivery.Message.Body, delivery.Message.RoutingKey);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor consuming events from {Broker}.")]
    private static partial void LogConsuming(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor cannot consume events from {Broker}: {Reason}; trying again in {Seconds} s.")]
    private static partial void LogNotConsuming(ILogger logger, string broker, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor's event consumer was interrupted ({Reason}); it resumes by itself.")]
    private static partial void LogInterrupted(ILogger logger, string reason);
}
