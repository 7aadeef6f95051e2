using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// The <c>rpc://</c> backend, worker side: a result is a message to the caller's reply queue, keyed by
/// correlation id, through the default exchange only, with results too large for the broker refused before they
/// are sent. Confirmed and <c>mandatory</c> by default, so the task is acknowledged only once the broker holds its
/// result; with <c>WorkerConfirmResults</c> off, unconfirmed as Celery sends it, on a channel no other kind of message shares.
/// </summary>
internal sealed class RpcResultStore : IResultStore
{
    private readonly ITransport _transport;

    // Every result carries the same header, read but never changed by the transport, so it is built once.
    private readonly Dictionary<string, object?> _headers;

    private readonly int _maxSize;
    private readonly bool _confirm;

    public RpcResultStore(ITransport transport, string nodeName, int maxSize, bool confirm)
    {
        _transport = transport;
        _maxSize = maxSize;
        _confirm = confirm;
        _headers = new Dictionary<string, object?>(1) { ["hostname"] = nodeName };
    }

    public bool StoresById => false;

    // A reply already names its worker in the hostname header, broadcast or not.

    public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken)
    {
        var properties = new MessageProperties
        {
            CorrelationId = taskId,
            ContentType = TaskMessageCodec.JsonContentType,
            ContentEncoding = "utf-8",
            DeliveryMode = 1,
        };
        byte[] body = resultJson.Encode(taskId, state, traceback);
        if (body.Length > _maxSize)
        {
            // The broker would close the channel on it, and with it every result sent since that is not yet routed.
            return ValueTask.FromException(new BrokerException($"The result of task {taskId} is {body.Length} bytes, more than the {_maxSize} bytes WorkerMaxResultSize allows.") { MessageRefused = true });
        }

        return _transport.PublishAsync(new TransportMessage(string.Empty, replyTo, properties, _headers, body) { Confirm = _confirm, Mandatory = _confirm }, cancellationToken);
    }
}
