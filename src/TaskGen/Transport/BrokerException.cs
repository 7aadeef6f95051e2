using System;

namespace TaskGen.Transport;

/// <summary>Raised when the broker cannot be reached or refuses an operation; the message never contains a password.</summary>
public sealed class BrokerException : TaskGenException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the broker's reason.</param>
    /// <param name="inner">The client library's exception.</param>
    /// <param name="replyCode">The AMQP reply code (404 not found, 406 precondition failed), or 0.</param>
    public BrokerException(string message, Exception? inner = null, ushort replyCode = 0)
        : base(message, inner) => ReplyCode = replyCode;

    /// <summary>The AMQP reply code (404 not found, 406 precondition failed), or 0 when there was none.</summary>
    public ushort ReplyCode { get; }

    // Set when the message itself was refused (too large for a limit), so that sending it again cannot help;
    // anything else (a connection lost, a server switching roles) may pass on the next try.
    internal bool MessageRefused { get; init; }
}
