using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Tests.Transport;

/// <summary>A transport that keeps every message it publishes, as it went on the wire.</summary>
internal sealed class RecordingTransport(ITransport inner, ConcurrentQueue<TransportMessage> published) : ForwardingTransport(inner)
{
    public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        published.Enqueue(message);
        return Inner.PublishAsync(message, cancellationToken);
    }
}
