using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;

namespace WebShop.Worker;

/// <summary>
/// A directory that stands in for a mail relay: each sent email becomes one <c>.eml</c> file, so the sample runs
/// and is tested without sending anything over the network. A service of the worker's host, which
/// <see cref="MailCode.SendEmail"/> takes as a <c>[FromServices]</c> parameter.
/// </summary>
/// <param name="configuration">The host's configuration, holding <see cref="ConfigurationKey"/>.</param>
public sealed class Outbox(IConfiguration configuration)
{
    /// <summary>The configuration key of the outbox directory (<c>WebShop__Outbox</c> in the environment).</summary>
    public const string ConfigurationKey = "WebShop:Outbox";

    /// <summary>Where emails are written: <see cref="ConfigurationKey"/>, else <c>webshop-outbox</c> in the temp directory.</summary>
    public string Directory { get; } = configuration[ConfigurationKey] ?? Path.Combine(Path.GetTempPath(), "webshop-outbox");

    /// <summary>The path of the file that holds the email with <paramref name="messageId"/>.</summary>
    /// <param name="messageId">The message id that <see cref="MailCode.SendEmail"/> returned.</param>
    public string PathOf(string messageId) => Path.Combine(Directory, messageId + ".eml");

    /// <summary>Writes one email in RFC 5322 form.</summary>
    /// <param name="messageId">The message id, also the file name.</param>
    /// <param name="to">The recipient's address.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="body">The message text.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    public async Task WriteAsync(string messageId, string to, string subject, string body, CancellationToken cancellationToken)
    {
        // Header values come from a web form: a line break in one would let the sender add headers of their own.
        if (ContainsLineBreak(to) || ContainsLineBreak(subject) || ContainsLineBreak(messageId))
        {
            throw new ArgumentException("An email header value must not contain a line break.");
        }

        var text = new StringBuilder()
            .Append("Message-ID: <").Append(messageId).Append("@webshop.invalid>\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("From: shop@webshop.invalid\r\n")
            .Append("To: ").Append(to).Append("\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(body.ReplaceLineEndings("\r\n"))
            .Append("\r\n");

        System.IO.Directory.CreateDirectory(Directory);

        // Written beside the final name and then moved, so a reader of the outbox never sees half a message.
        string final = PathOf(messageId);
        string partial = final + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(partial, text.ToString(), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        File.Move(partial, final, overwrite: true);
    }

    private static bool ContainsLineBreak(string value) => value.AsSpan().IndexOfAny('\r', '\n') >= 0;
}
