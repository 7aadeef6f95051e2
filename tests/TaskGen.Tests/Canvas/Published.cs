using System.Collections.Generic;
using System.Text.Json;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Tests.Canvas;

/// <summary>The task messages waiting in a queue of a private in-memory broker, decoded as a worker decodes them.</summary>
internal static class Published
{
    public static List<TaskRequest> Take(InMemoryBroker broker, string queue = "celery")
    {
        var requests = new List<TaskRequest>();
        InMemoryBroker.MemoryQueue? found = broker.FindQueue(queue);
        while (found is not null && found.Messages.Reader.TryRead(out InMemoryBroker.MemoryEnvelope? envelope))
        {
            requests.Add(TaskMessageCodec.Decode(envelope.Message));
        }

        return requests;
    }

    /// <summary>A header's value as the broker carries it (strings arrive as UTF-8 bytes), as JSON-like text or a number.</summary>
    public static object? Header(TaskRequest request, string name) =>
        request.Headers.TryGetValue(name, out object? value) ? value switch
        {
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            _ => value,
        } : null;

    public static JsonElement Embed(TaskRequest request) => JsonDocument.Parse(request.Embed).RootElement;
}
