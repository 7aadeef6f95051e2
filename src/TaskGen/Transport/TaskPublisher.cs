using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>What a task message going out is, for whoever watches sends.</summary>
internal enum SendKind
{
    /// <summary>A new task a caller sent.</summary>
    Call,

    /// <summary>A new task a worker sent on: a link or the next step of a chain.</summary>
    FollowUp,

    /// <summary>A task message sent again to run again later: a retry, which Celery sends as a new call of the same task.</summary>
    Retry,

    /// <summary>A task message sent again that is not a new send: a hold handed back, a dead letter.</summary>
    Copy,
}

/// <summary>Watches every task message around its publish, without owning the publish; telemetry is one.</summary>
internal interface ISendObserver
{
    /// <summary>False when nobody listens, so that a send costs one check.</summary>
    bool Enabled { get; }

    /// <summary>Called before the message goes out; may add headers (a trace context). Its return is handed to <see cref="Sent"/>.</summary>
    IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind);

    /// <summary>Called once the broker has taken the message, or with the exception that stopped it.</summary>
    void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure);
}

/// <summary>
/// The one road a task message takes to the broker: addressed (<see cref="DelayedDelivery.Address"/>), encoded,
/// watched and published. Calls, broadcasts, follow-ups, retries, holds handed back and dead letters all go
/// through it, so what a send means (its span, its count, its <c>task-sent</c> event) is decided once.
/// </summary>
internal sealed class TaskPublisher(ITransport transport, ISendObserver? observer)
{
    /// <summary>The transport the messages go to.</summary>
    public ITransport Transport => transport;

    /// <summary>Encodes a task and publishes it to the address its envelope names.</summary>
    public ValueTask PublishAsync(TaskEnvelope envelope, string queue, SendKind kind, CancellationToken cancellationToken) =>
        PublishAsync(TaskMessageCodec.Encode(envelope), envelope.Id, envelope.Name, queue, kind, cancellationToken);

    /// <summary>Publishes a task message already encoded: a copy of one delivered, with the headers it is given.</summary>
    public ValueTask PublishAsync(TransportMessage message, string taskId, string taskName, string queue, SendKind kind, CancellationToken cancellationToken) =>
        observer is { Enabled: true } watching
            ? PublishWatchedAsync(watching, message, taskId, taskName, queue, kind, cancellationToken)
            : transport.PublishAsync(message, cancellationToken);

    private async ValueTask PublishWatchedAsync(ISendObserver watching, TransportMessage message, string taskId, string taskName, string queue, SendKind kind, CancellationToken cancellationToken)
    {
        using IDisposable? scope = watching.Sending(message, taskId, taskName, queue, kind);
        try
        {
            await transport.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            watching.Sent(scope, taskName, queue, kind, ex);
            throw;
        }

        watching.Sent(scope, taskName, queue, kind, null);
    }
}
