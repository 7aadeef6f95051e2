using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Monitor.Tests.Pages;

/// <summary>Puts messages in an app's queues as a worker and RabbitMQ would: a task message, or one dead-lettered with <c>x-death</c>.</summary>
internal static class DeadLetters
{
    public static async Task DeclareAsync(TaskApp app, string queue)
    {
        await TaskQueueTopology.DeclareDeadLetterQueueAsync(app.Transport, app.Options.DeadLetterQueue, CancellationToken.None);
        await TaskQueueTopology.DeclareAsync(app.Transport, new QueueDeclaration(queue), CancellationToken.None);
    }

    public static Task PublishAsync(TaskApp app, string queue, string id) =>
        app.Transport.PublishAsync(new TransportMessage(string.Empty, queue, new MessageProperties { CorrelationId = id }, Headers(id, "tasks.add"), Encoding.UTF8.GetBytes("[[2, 3], {}, null]")), CancellationToken.None).AsTask();

    public static Task PublishDeadAsync(TaskApp app, string id, string task, string queue, string reason)
    {
        Dictionary<string, object?> headers = Headers(id, task);
        headers["x-death"] = new List<object?>
        {
            new Dictionary<string, object?>
            {
                ["count"] = 1L,
                ["reason"] = Encoding.UTF8.GetBytes(reason),
                ["queue"] = Encoding.UTF8.GetBytes(queue),
                ["time"] = new AmqpTimestamp(1_800_000_000),
                ["exchange"] = System.Array.Empty<byte>(),
                ["routing-keys"] = new List<object?> { Encoding.UTF8.GetBytes(queue) },
            },
        };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id };
        return app.Transport.PublishAsync(new TransportMessage(string.Empty, app.Options.DeadLetterQueue, properties, headers, Encoding.UTF8.GetBytes("[[2, 3], {}, null]")), CancellationToken.None).AsTask();
    }

    private static Dictionary<string, object?> Headers(string id, string task) => new()
    {
        ["lang"] = Encoding.UTF8.GetBytes("py"),
        ["task"] = Encoding.UTF8.GetBytes(task),
        ["id"] = Encoding.UTF8.GetBytes(id),
        ["retries"] = 0,
        ["argsrepr"] = Encoding.UTF8.GetBytes("(2, 3)"),
        ["kwargsrepr"] = Encoding.UTF8.GetBytes("{}"),
    };
}
