using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TaskGen.Transport;

namespace TaskGen.Tests.Transport;

/// <summary>
/// The certificate check the broker and the Redis result backend share, on certificates made here: a private CA's
/// server certificate is trusted only through that CA, and each refusal names the server, the host and the setting.
/// </summary>
public sealed class ServerCertificateTrustTests : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;
    private readonly string _caPath = Path.Combine(Path.GetTempPath(), "taskgen-trust-ca-" + Guid.NewGuid().ToString("N") + ".pem");

    public ServerCertificateTrustTests()
    {
        var caRequest = new CertificateRequest("CN=TaskGen unit CA", _caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=TaskGen unit server", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        _server = serverRequest.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        File.WriteAllText(_caPath, _ca.ExportCertificatePem());
    }

    [Fact]
    public void AServerCertificateFromThePrivateCaIsTrustedThroughIt()
    {
        ServerCertificateTrust trust = ServerCertificateTrust.Create("Redis server", "ResultBackendTlsCaCertificate", _caPath);

        // The platform does not know the private CA, so it reports a chain error that the private roots overrule.
        Assert.True(trust.Verify(_server, null, SslPolicyErrors.RemoteCertificateChainErrors, "127.0.0.1"));
    }

    [Fact]
    public void WithoutTheCaItIsRefusedAsUntrustedNamingTheSetting()
    {
        ServerCertificateTrust trust = ServerCertificateTrust.Create("Redis server", "ResultBackendTlsCaCertificate", null);
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.Build(_server);

        var ex = Assert.Throws<AuthenticationException>(() => trust.Verify(_server, chain, SslPolicyErrors.RemoteCertificateChainErrors, "127.0.0.1"));

        Assert.StartsWith("The Redis server's TLS certificate is not trusted (", ex.Message, StringComparison.Ordinal);
        Assert.Contains("set TaskGen:ResultBackendTlsCaCertificate to that CA's PEM file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThroughAnotherCaItIsRefusedAsNotIssuedByIt()
    {
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TaskGen other CA", otherKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string otherPath = _caPath + ".other.pem";
        File.WriteAllText(otherPath, other.ExportCertificatePem());
        try
        {
            ServerCertificateTrust trust = ServerCertificateTrust.Create("broker", "BrokerTlsCaCertificate", otherPath);

            var ex = Assert.Throws<AuthenticationException>(() => trust.Verify(_server, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost"));

            Assert.Contains($"The broker's TLS certificate is not issued by the CA in BrokerTlsCaCertificate '{otherPath}'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(otherPath);
        }
    }

    [Fact]
    public void AHostTheCertificateDoesNotNameIsRefusedWithTheNamesItHas()
    {
        ServerCertificateTrust trust = ServerCertificateTrust.Create("Redis server", "ResultBackendTlsCaCertificate", _caPath);

        var ex = Assert.Throws<AuthenticationException>(() => trust.Verify(_server, null, SslPolicyErrors.RemoteCertificateNameMismatch, "redis-b.example"));

        Assert.Contains("does not match the host name 'redis-b.example': it names DNS:localhost, IP:127.0.0.1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("give the Redis server a certificate", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not trusted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCertificateIsRefusedNamingTheServer()
    {
        ServerCertificateTrust trust = ServerCertificateTrust.Create("Redis server", "ResultBackendTlsCaCertificate", null);

        var ex = Assert.Throws<AuthenticationException>(() => trust.Verify(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, "localhost"));

        Assert.Equal("The Redis server presented no TLS certificate.", ex.Message);
    }

    public void Dispose()
    {
        File.Delete(_caPath);
        _server.Dispose();
        _ca.Dispose();
        _caKey.Dispose();
    }
}
