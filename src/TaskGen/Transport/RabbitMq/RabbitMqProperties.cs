using System.Collections.Generic;
using RabbitMQ.Client;
using TaskGen.Protocol;

namespace TaskGen.Transport.RabbitMq;

/// <summary>Maps TaskGen's message properties to AMQP's basic properties and back.</summary>
internal static class RabbitMqProperties
{
    public static BasicProperties Write(TransportMessage message)
    {
        MessageProperties source = message.Properties;
        return new BasicProperties
        {
            CorrelationId = source.CorrelationId,
            ReplyTo = string.IsNullOrEmpty(source.ReplyTo) ? null : source.ReplyTo,
            ContentType = source.ContentType,
            ContentEncoding = source.ContentEncoding,
            DeliveryMode = source.DeliveryMode == 2 ? DeliveryModes.Persistent : DeliveryModes.Transient,
            Priority = source.Priority,
            Expiration = source.Expiration,
            Headers = message.Headers,
        };
    }

    public static MessageProperties Read(IReadOnlyBasicProperties properties) => new()
    {
        CorrelationId = properties.CorrelationId,
        ReplyTo = properties.ReplyTo,
        ContentType = properties.ContentType,
        ContentEncoding = properties.ContentEncoding,
        DeliveryMode = properties.DeliveryMode == DeliveryModes.Persistent ? (byte)2 : (byte)1,
        Priority = properties.Priority,
        Expiration = properties.Expiration,
    };

    /// <summary>Copies a delivery: the body is only valid inside the consumer callback, and the worker keeps it past it.</summary>
    public static TransportMessage ReadMessage(string exchange, string routingKey, IReadOnlyBasicProperties properties, System.ReadOnlyMemory<byte> body) =>
        new(exchange, routingKey, Read(properties), properties.Headers ?? new Dictionary<string, object?>(), body.ToArray());
}
