using System.Threading;
using System.Threading.Tasks;
using TaskGen;

namespace WebShop.Tasks;

/// <summary>The shop's mail tasks, run by the WebShop.Worker service.</summary>
public static class Mail
{
    /// <summary>Sends an email and returns its message id; the sample delivers to <see cref="Outbox"/> instead of a mail relay.</summary>
    /// <param name="to">The recipient's address.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="body">The message text.</param>
    /// <param name="outbox">Where the email goes, resolved from the worker's services and never sent on the wire.</param>
    /// <param name="context">The running task, supplied by the worker.</param>
    /// <param name="cancellationToken">Cancelled when the worker stops or a time limit runs out.</param>
    // A full or briefly locked outbox (a relay that is down, in a real shop) is worth another try a little later;
    // the rate keeps a burst of orders from flooding the relay.
    [Task(Queue = "mail", MaxRetries = 5, RetryFor = new[] { typeof(System.IO.IOException) }, RetryBackoff = 2, RetryBackoffMax = 120, RateLimit = "50/s")]
    public static async Task<string> SendEmail(string to, string subject, string body, [FromServices] Outbox outbox, TaskContext context, CancellationToken cancellationToken)
    {
        // The task id names the message: delivery is at least once, so a redelivered task rewrites the same message
        // rather than sending a second copy.
        string messageId = context.Id;
        await outbox.WriteAsync(messageId, to, subject, body, cancellationToken).ConfigureAwait(false);
        return messageId;
    }
}
