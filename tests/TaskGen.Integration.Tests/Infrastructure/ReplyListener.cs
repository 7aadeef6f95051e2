using System;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A reply queue of the test's own, read without an app's result backend, so a test can give any
/// <c>reply_to</c> to a hand-built message (a chain step, say) and see exactly which results arrive there.
/// </summary>
internal sealed class ReplyListener : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _results = new(StringComparer.Ordinal);
    private ITransportConsumer? _consumer;

    private ReplyListener(string queue) => Queue = queue;

    /// <summary>The queue's name, to put in <c>reply_to</c>.</summary>
    public string Queue { get; }

    /// <summary>Declares an exclusive queue on <paramref name="transport"/> and starts reading it.</summary>
    public static async Task<ReplyListener> StartAsync(ITransport transport)
    {
        var listener = new ReplyListener("test-replies-" + Guid.NewGuid().ToString("N"));
        await transport.DeclareQueueAsync(new QueueSpecification(listener.Queue, Durable: false, Exclusive: true, AutoDelete: true), CancellationToken.None);
        listener._consumer = await transport.ConsumeAsync(listener.Queue, 100, autoAck: true, delivery =>
        {
            // Results may carry Python's bare NaN/Infinity, which JsonDocument refuses: quote them to read the rest.
            string text = System.Text.Encoding.UTF8.GetString(delivery.Message.Body.Span);
            text = System.Text.RegularExpressions.Regex.Replace(text, "(?<![\\w\"])(-?Infinity|NaN)(?![\\w\"])", "\"$1\"");
            using JsonDocument document = JsonDocument.Parse(text);
            JsonElement result = document.RootElement.Clone();
            string id = result.GetProperty("task_id").GetString()!;
            listener.Slot(id).TrySetResult(result);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return listener;
    }

    /// <summary>Waits for the first result of task <paramref name="taskId"/>; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitAsync(string taskId, TimeSpan timeout)
    {
        try
        {
            return await Slot(taskId).Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"No result for task {taskId} reached {Queue} within {timeout.TotalSeconds} s.");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync();
        }
    }

    private TaskCompletionSource<JsonElement> Slot(string id) => _results.GetOrAdd(id, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
}
