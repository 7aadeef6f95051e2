using System;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Tests.Transport;

/// <summary>A transport that passes everything to another one; tests override the calls they watch or change.</summary>
internal class ForwardingTransport(ITransport inner) : ITransport
{
    public ITransport Inner { get; } = inner;

    public string Description => Inner.Description;

    public ValueTask DeclareExchangeAsync(ExchangeSpecification exchange, CancellationToken cancellationToken) => Inner.DeclareExchangeAsync(exchange, cancellationToken);

    public virtual ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken) => Inner.DeclareQueueAsync(queue, cancellationToken);

    public virtual ValueTask BindQueueAsync(string queue, string exchange, string routingKey, CancellationToken cancellationToken) => Inner.BindQueueAsync(queue, exchange, routingKey, cancellationToken);

    public virtual ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken) => Inner.PublishAsync(message, cancellationToken);

    public virtual ValueTask<ITransportConsumer> ConsumeAsync(ConsumerSpecification consumer, CancellationToken cancellationToken) =>
        Inner.ConsumeAsync(consumer, cancellationToken);

    public ValueTask<(uint Messages, uint Consumers)?> InspectQueueAsync(string queue, CancellationToken cancellationToken) => Inner.InspectQueueAsync(queue, cancellationToken);

    public ValueTask<uint> PurgeAsync(string queue, CancellationToken cancellationToken) => Inner.PurgeAsync(queue, cancellationToken);

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}
