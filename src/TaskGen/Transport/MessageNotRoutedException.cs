namespace TaskGen.Transport;

/// <summary>Raised when the broker returns a message because no queue is bound to receive it.</summary>
public sealed class MessageNotRoutedException : TaskGenException
{
    /// <summary>Creates the exception for a message sent to <paramref name="exchange"/> with <paramref name="routingKey"/>.</summary>
    /// <param name="exchange">The exchange the message was published to.</param>
    /// <param name="routingKey">The routing key.</param>
    public MessageNotRoutedException(string exchange, string routingKey)
        : base(Explain(exchange, routingKey))
    {
        Exchange = exchange;
        RoutingKey = routingKey;
    }

    /// <summary>The exchange the message was published to.</summary>
    public string Exchange { get; }

    /// <summary>The routing key.</summary>
    public string RoutingKey { get; }

    private static string Explain(string exchange, string routingKey)
    {
        if (exchange.Length > 0 && routingKey.Length == 0)
        {
            // A broadcast queue's fanout exchange: the queues bound to it are the workers' own, so only a
            // worker can make the message routable.
            return $"No queue is bound to exchange '{exchange}', so the message reached nobody. If '{exchange}' is a broadcast queue, start a worker bound to it (worker -Q {exchange}).";
        }

        string where = exchange.Length == 0 ? $"the default exchange with routing key '{routingKey}'" : $"exchange '{exchange}' with routing key '{routingKey}'";
        return $"No queue received the message published to {where}. Declare the queue with [assembly: TaskQueue(\"{routingKey}\")] or start a worker bound to it (worker -Q {routingKey}).";
    }
}
