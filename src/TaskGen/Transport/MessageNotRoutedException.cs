using System;

namespace TaskGen.Transport;

/// <summary>Raised when the broker returns a message because no queue is bound to receive it.</summary>
public sealed class MessageNotRoutedException : Exception
{
    /// <summary>Creates the exception for a message sent to <paramref name="exchange"/> with <paramref name="routingKey"/>.</summary>
    /// <param name="exchange">The exchange the message was published to.</param>
    /// <param name="routingKey">The routing key.</param>
    public MessageNotRoutedException(string exchange, string routingKey)
        : base($"No queue received the message published to exchange '{exchange}' with routing key '{routingKey}'. Declare the queue with [assembly: TaskQueue(\"{routingKey}\")] or start a worker bound to it.")
    {
        Exchange = exchange;
        RoutingKey = routingKey;
    }

    /// <summary>The exchange the message was published to.</summary>
    public string Exchange { get; }

    /// <summary>The routing key.</summary>
    public string RoutingKey { get; }
}
