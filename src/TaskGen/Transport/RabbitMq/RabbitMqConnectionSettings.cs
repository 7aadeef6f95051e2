using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
        X509Certificate2Collection? roots = caPath is null ? null : LoadRoots(caPath);
        factory.Ssl.Enabled = true;
        factory.Ssl.ServerName = host;
        factory.Ssl.AcceptablePolicyErrors = SslPolicyErrors.None;
        factory.Ssl.CertificateValidationCallback = (_, certificate, chain, errors) => Verify(certificate, chain, errors, host, roots, caPath);
        return factory;
    }

    private static X509Certificate2Collection LoadRoots(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TaskAppConfigurationException($"BrokerTlsCaCertificate '{path}' cannot be read: {ex.Message}");
        }

        return roots.Count > 0
            ? roots
            : throw new TaskAppConfigurationException($"BrokerTlsCaCertificate '{path}' holds no certificate: it must be a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks.");
    }

    // Throwing rather than returning false: SslStream passes the exception on, so the connection error names
    // the actual problem instead of "the remote certificate was rejected". The transport's connection error
    // already names the broker, so these messages do not repeat its URL.
    private static bool Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, X509Certificate2Collection? roots, string? caPath)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            throw new AuthenticationException("The broker presented no TLS certificate.");
        }

        var problems = new List<string>(2);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add(
                $"The broker's TLS certificate does not match the host name '{host}': it names {DescribeNames(certificate)}. " +
                $"Connect by a name the certificate lists, or give the broker a certificate whose subject alternative names include '{host}'.");
        }

        string? untrusted = roots is null ? SystemTrustProblem(chain, errors) : CustomTrustProblem(certificate, chain, roots);
        if (untrusted is not null)
        {
            problems.Add(roots is null
                ? $"The broker's TLS certificate is not trusted ({untrusted}). If a private CA issued it, set TaskGen:BrokerTlsCaCertificate to that CA's PEM file."
                : $"The broker's TLS certificate is not issued by the CA in BrokerTlsCaCertificate '{caPath}' ({untrusted}). Point the setting at the CA that issued the broker's certificate.");
        }

        return problems.Count == 0 ? true : throw new AuthenticationException(string.Join(" ", problems));
    }

    private static string? SystemTrustProblem(X509Chain? chain, SslPolicyErrors errors)
    {
        if (!errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return null;
        }

        return chain is null ? "its chain could not be built" : DescribeStatus(chain.ChainStatus);
    }

    private static string? CustomTrustProblem(X509Certificate certificate, X509Chain? presented, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);

        // A private CA rarely publishes revocation lists; an online check would fail every connection.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // Intermediates the broker sent along are candidates for the path, never anchors.
        if (presented is not null)
        {
            foreach (X509ChainElement element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using X509Certificate2 leaf = new(certificate);
        return chain.Build(leaf) ? null : DescribeStatus(chain.ChainStatus);
    }

    private static string DescribeStatus(X509ChainStatus[] status) =>
        status.Length == 0 ? "its chain is not valid" : string.Join(", ", status.Select(s => s.Status.ToString()).Distinct(StringComparer.Ordinal));

    private static string DescribeNames(X509Certificate certificate)
    {
        using X509Certificate2 certificate2 = new(certificate);
        var names = new List<string>();
        foreach (X509Extension extension in certificate2.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                var alternativeNames = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                names.AddRange(alternativeNames.EnumerateDnsNames().Select(n => "DNS:" + n));
                names.AddRange(alternativeNames.EnumerateIPAddresses().Select(a => "IP:" + a));
            }
        }

        if (names.Count > 0)
        {
            return string.Join(", ", names);
        }

        string commonName = certificate2.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(commonName) ? "no host at all" : $"only the common name '{commonName}'";
    }
}
