using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TaskGen.Transport;

/// <summary>
/// What a TLS client of TaskGen trusts in a server's certificate: a chain to the system's roots or only to a configured
/// private CA, and the host name it connected by. The broker and the Redis result backend share it, so that both check
/// the same way and a refused certificate is explained the same way, naming the setting that mends it.
/// </summary>
internal sealed class ServerCertificateTrust
{
    private readonly string _server;
    private readonly string _setting;
    private readonly string? _caPath;
    private readonly X509Certificate2Collection? _roots;

    private ServerCertificateTrust(string server, string setting, string? caPath, X509Certificate2Collection? roots)
    {
        _server = server;
        _setting = setting;
        _caPath = caPath;
        _roots = roots;
    }

    /// <summary>Creates the trust for one kind of server, loading the private CA's certificates now so that a bad file stops the start.</summary>
    /// <param name="server">What the server is called in messages (<c>broker</c>, <c>Redis server</c>).</param>
    /// <param name="setting">The option that names the CA file, which messages tell the user to set.</param>
    /// <param name="caPath">A PEM file of the CA certificates trusted instead of the system's roots; null or blank for the system's.</param>
    /// <exception cref="TaskAppConfigurationException">The CA file cannot be read or holds no certificate.</exception>
    public static ServerCertificateTrust Create(string server, string setting, string? caPath)
    {
        string? path = string.IsNullOrWhiteSpace(caPath) ? null : caPath;
        return new ServerCertificateTrust(server, setting, path, path is null ? null : LoadRoots(setting, path));
    }

    /// <summary>
    /// Checks a server's certificate as a TLS validation callback does, throwing rather than returning false: SslStream
    /// passes the exception on, so the connection error names the actual problem instead of "the remote certificate was
    /// rejected". Callers' connection errors already name the server's URL, so these messages do not repeat it.
    /// </summary>
    /// <param name="certificate">The certificate the server presented.</param>
    /// <param name="chain">The chain the platform built for it, whose intermediates may complete a private CA's path.</param>
    /// <param name="errors">What the platform found wrong, the host name check among them.</param>
    /// <param name="host">The host name or address connected by, which the certificate must name.</param>
    /// <exception cref="AuthenticationException">The certificate is missing, names another host, or is not trusted; the message says what to do.</exception>
    public bool Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            throw new AuthenticationException($"The {_server} presented no TLS certificate.");
        }

        var problems = new List<string>(2);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add(
                $"The {_server}'s TLS certificate does not match the host name '{host}': it names {DescribeNames(certificate)}. " +
                $"Connect by a name the certificate lists, or give the {_server} a certificate whose subject alternative names include '{host}'.");
        }

        string? untrusted = _roots is null ? SystemTrustProblem(chain, errors) : CustomTrustProblem(certificate, chain, _roots);
        if (untrusted is not null)
        {
            problems.Add(_roots is null
                ? $"The {_server}'s TLS certificate is not trusted ({untrusted}). If a private CA issued it, set TaskGen:{_setting} to that CA's PEM file."
                : $"The {_server}'s TLS certificate is not issued by the CA in {_setting} '{_caPath}' ({untrusted}). Point the setting at the CA that issued the {_server}'s certificate.");
        }

        return problems.Count == 0 ? true : throw new AuthenticationException(string.Join(" ", problems));
    }

    private static X509Certificate2Collection LoadRoots(string setting, string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TaskAppConfigurationException($"{setting} '{path}' cannot be read: {ex.Message}");
        }

        return roots.Count > 0
            ? roots
            : throw new TaskAppConfigurationException($"{setting} '{path}' holds no certificate: it must be a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks.");
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

        // Intermediates the server sent along are candidates for the path, never anchors.
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
