using System.Threading;
using System.Threading.Tasks;
using TaskGen;
using WebShop.Contracts;

namespace WebShop.Worker;

/// <summary>The worker's implementation of the <see cref="IMail"/> contract, which the web app sends without referencing this code.</summary>
public static class MailCode
{
    /// <summary>Sends an email and returns its message id; the sample delivers to <see cref="Outbox"/> instead of a mail relay.</summary>
    /// <param name="to">The recipient's address.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="body">The message text.</param>
    /// <param name="outbox">Where the email goes, resolved from the worker's services.</param>
    /// <param name="context">The running task, supplied by the worker; the contract need not mention it.</param>
    /// <param name="cancellationToken">Cancelled when the worker stops or a time limit runs out.</param>
    [TaskImplementation(typeof(IMail), nameof(IMail.SendEmail))]
    public static async Task<string> SendEmail(string to, string subject, string body, [FromServices] Outbox outbox, TaskContext context, CancellationToken cancellationToken)
    {
        // The task id names the message: delivery is at least once, so a redelivered task rewrites the same message
        // rather than sending a second copy.
        string messageId = context.Id;
        await outbox.WriteAsync(messageId, to, subject, body, cancellationToken).ConfigureAwait(false);
        return messageId;
    }
}
