using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// The <c>rpc://</c> backend, worker side: a result is a message to the caller's reply queue, keyed by
/// correlation id, published with a broker confirmation and <c>mandatory</c>, so a result the broker drops
/// (a closed channel, a reply queue that is gone) is known before the task is acknowledged.
/// </summary>
internal sealed class RpcResultStore : IResultStore
{
    private readonly ITransport _transport;

    // Every result carries the same header, read but never changed by the transport, so it is built once.
    private readonly Dictionary<string, object?> _headers;

    public RpcResultStore(ITransport transport, string nodeName)
    {
        _transport = transport;
        _headers = new Dictionary<string, object?>(1) { ["hostname"] = nodeName };
    }

    public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ReadOnlyMemory<byte> resultJson, string? traceback, CancellationToken cancellationToken)
    {
        var properties = new MessageProperties
        {
            CorrelationId = taskId,
            ContentType = TaskMessageCodec.JsonContentType,
            ContentEncoding = "utf-8",
            DeliveryMode = 1,
        };
        byte[] body = ResultCodec.Encode(taskId, state, resultJson.Span, traceback);
        return _transport.PublishAsync(new TransportMessage(string.Empty, replyTo, properties, _headers, body) { Confirm = true, Mandatory = true }, cancellationToken);
    }
}
