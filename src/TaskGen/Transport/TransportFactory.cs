using System;
using Microsoft.Extensions.Logging;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Transport;

/// <summary>Creates the transport a broker URL names.</summary>
internal static class TransportFactory
{
    /// <summary>Creates the transport for <paramref name="brokerUrl"/>.</summary>
    /// <param name="brokerUrl"><c>amqp://user:password@host:port/vhost</c>, <c>amqps://...</c>, <c>memory://</c> or <c>memory://name</c>.</param>
    /// <param name="loggerFactory">Logging for the transport.</param>
    /// <param name="tlsCaCertificate">For <c>amqps://</c>, a PEM file of the CA that issues the broker's certificate (<see cref="TaskAppOptions.BrokerTlsCaCertificate"/>).</param>
    /// <exception cref="TaskAppConfigurationException">The URL's scheme is not supported, or the CA file cannot be used.</exception>
    public static ITransport Create(string brokerUrl, ILoggerFactory loggerFactory, string? tlsCaCertificate = null)
    {
        if (string.IsNullOrWhiteSpace(brokerUrl) || brokerUrl.StartsWith("memory://", StringComparison.OrdinalIgnoreCase))
        {
            string name = string.IsNullOrWhiteSpace(brokerUrl) ? string.Empty : brokerUrl["memory://".Length..].TrimEnd('/');
            return new InMemoryTransport(InMemoryBroker.Named(name), loggerFactory.CreateLogger("TaskGen.Transport"));
        }

        if (brokerUrl.StartsWith("amqp://", StringComparison.OrdinalIgnoreCase) || brokerUrl.StartsWith("amqps://", StringComparison.OrdinalIgnoreCase))
        {
            return new RabbitMqTransport(brokerUrl, $"TaskGen {Environment.MachineName}:{Environment.ProcessId}", loggerFactory, tlsCaCertificate);
        }

        int scheme = brokerUrl.IndexOf("://", StringComparison.Ordinal);
        string shown = scheme > 0 ? brokerUrl[..scheme] : "(none)";
        throw new TaskAppConfigurationException($"Broker URL scheme '{shown}' is not supported: use amqp://, amqps:// or memory://.");
    }
}
