using System.Threading;
using System.Threading.Tasks;
using TaskGen;

namespace WebShop.Contracts;

/// <summary>
/// The shop's mail tasks as a contract: the web app sends them through the generated
/// <c>WebShop.Contracts.Remote.Mail</c> stubs, and WebShop.Worker implements them.
/// </summary>
public interface IMail
{
    /// <summary>Sends an email and returns its message id.</summary>
    /// <param name="to">The recipient's address.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="body">The message text.</param>
    /// <param name="cancellationToken">Cancelled when the worker stops or a time limit runs out; never sent.</param>
    // A full or briefly locked outbox (a relay that is down, in a real shop) is worth another try a little later;
    // the rate keeps a burst of orders from flooding the relay. The policy is part of the contract, so every worker
    // that implements it retries the same way.
    [Task(Queue = "mail", MaxRetries = 5, RetryFor = new[] { typeof(System.IO.IOException) }, RetryBackoff = 2, RetryBackoffMax = 120, RateLimit = "50/s")]
    Task<string> SendEmail(string to, string subject, string body, CancellationToken cancellationToken);
}
