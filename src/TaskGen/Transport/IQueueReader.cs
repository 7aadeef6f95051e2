using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen.Transport;

/// <summary>
/// Reads a queue one message at a time without consuming it, for tools that browse a queue (the dead letters):
/// each message stays the reader's until it is settled, and disposing the reader returns the unsettled ones.
/// </summary>
public interface IQueueReader : IAsyncDisposable
{
    /// <summary>The queue being read.</summary>
    string Queue { get; }

    /// <summary>
    /// Takes the next ready message (AMQP <c>basic.get</c> without auto-ack), or returns null when none is ready.
    /// Acknowledging the delivery removes it from the queue; leaving it unsettled puts it back when the reader goes.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask<Delivery?> GetAsync(CancellationToken cancellationToken);
}
