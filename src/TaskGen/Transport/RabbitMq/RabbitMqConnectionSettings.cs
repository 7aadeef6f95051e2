using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Security;
using RabbitMQ.Client;

namespace TaskGen.Transport.RabbitMq;

/// <summary>
/// Turns a broker URL into RabbitMQ.Client's connection settings. For <c>amqps://</c> it verifies the broker's
/// certificate fully: the chain (against the system's roots or a configured private CA) and the host name,
/// which RabbitMQ.Client's URL parsing alone would accept as mismatched.
/// </summary>
internal static class RabbitMqConnectionSettings
{
    /// <summary>
    /// Creates the connection factory for one broker URL or Celery's failover list (<c>amqp://a;amqp://b</c>), and for a
    /// list the endpoints RabbitMQ.Client connects and reconnects to (in shuffled order), each with its own TLS host check.
    /// </summary>
    /// <param name="brokerUrls">One URL, or several separated by <c>;</c>, sharing one user, password, virtual host and scheme.</param>
    /// <param name="clientName">The connection name shown in RabbitMQ's management tools.</param>
    /// <param name="tlsCaCertificate">A PEM file of the CA certificates that issue the brokers' certificates; null for the system's.</param>
    /// <exception cref="TaskAppConfigurationException">A URL cannot be parsed, the URLs differ in credentials, or the CA file cannot be used.</exception>
    internal static (ConnectionFactory Factory, IReadOnlyList<AmqpTcpEndpoint>? Endpoints) Create(string brokerUrls, string clientName, string? tlsCaCertificate = null)
    {
        IReadOnlyList<string> urls = BrokerUrls.Split(brokerUrls);
        if (urls.Count == 0)
        {
            throw new TaskAppConfigurationException("BrokerUrl is empty: give an amqp:// or amqps:// URL, or several separated by ';'.");
        }

        ConnectionFactory[] factories = urls.Select(url => CreateFactory(url, clientName, BrokerUrls.Redact(url), tlsCaCertificate)).ToArray();
        ConnectionFactory factory = factories[0];
        if (factories.Length == 1)
        {
            return (factory, null);
        }

        for (int i = 1; i < factories.Length; i++)
        {
            // RabbitMQ.Client logs in to every endpoint with the factory's credentials and virtual host.
            ConnectionFactory each = factories[i];
            if (each.UserName != factory.UserName || each.Password != factory.Password || each.VirtualHost != factory.VirtualHost || each.Ssl.Enabled != factory.Ssl.Enabled)
            {
                throw new TaskAppConfigurationException(
                    $"Broker URL {BrokerUrls.Redact(urls[i])} differs from {BrokerUrls.Redact(urls[0])} in its user, password, virtual host or scheme: the URLs of a failover list are nodes of one cluster and must share them.");
            }
        }

        return (factory, factories.Select(each => each.Endpoint).ToArray());
    }

    /// <summary>Creates the connection factory for <paramref name="brokerUrl"/>, with recovery on and TLS verified.</summary>
    /// <param name="brokerUrl"><c>amqp://user:password@host:port/vhost</c> or <c>amqps://...</c>.</param>
    /// <param name="clientName">The connection name shown in RabbitMQ's management tools.</param>
    /// <param name="description">The URL with its password redacted, the only form of it any message shows.</param>
    /// <param name="tlsCaCertificate">A PEM file of the CA certificates that issue the broker's certificate, trusted instead of the system's roots; null for the system's.</param>
    /// <exception cref="TaskAppConfigurationException">The URL cannot be parsed, or the CA file cannot be used.</exception>
    internal static ConnectionFactory CreateFactory(string brokerUrl, string clientName, string description, string? tlsCaCertificate = null)
    {
        ConnectionFactory factory;
        Uri uri;
        try
        {
            uri = new Uri(brokerUrl);
            factory = new ConnectionFactory
            {
                Uri = uri,
                ClientProvidedName = clientName,
                AutomaticRecoveryEnabled = true,
                TopologyRecoveryEnabled = true,
                NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            };
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException)
        {
            throw new TaskAppConfigurationException($"Broker URL {description} cannot be used: {ex.Message.Replace(brokerUrl, description, StringComparison.Ordinal)}");
        }

        string? caPath = string.IsNullOrWhiteSpace(tlsCaCertificate) ? null : tlsCaCertificate;
        if (!string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase))
        {
            // A CA setting on a plain URL means someone believes the connection is encrypted; say that it is not.
            return caPath is null
                ? factory
                : throw new TaskAppConfigurationException($"BrokerTlsCaCertificate is set but broker URL {description} does not use TLS: use an amqps:// URL, or remove the setting.");
        }

        // IdnHost drops an IPv6 literal's brackets and spells international names as certificates do.
        string host = uri.IdnHost;
        ServerCertificateTrust trust = ServerCertificateTrust.Create("broker", nameof(TaskAppOptions.BrokerTlsCaCertificate), caPath);
        factory.Ssl.Enabled = true;
        factory.Ssl.ServerName = host;
        factory.Ssl.AcceptablePolicyErrors = SslPolicyErrors.None;
        factory.Ssl.CertificateValidationCallback = (_, certificate, chain, errors) => trust.Verify(certificate, chain, errors, host);
        return factory;
    }
}
