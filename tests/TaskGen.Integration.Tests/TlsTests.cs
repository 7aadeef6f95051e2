using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;

namespace TaskGen.Integration.Tests;

/// <summary>
/// <c>amqps://</c> on the node's TLS listener, whose certificate is issued by a private CA and names
/// <c>localhost</c> only: trusted and matching works end to end; a host the certificate does not name, or
/// a CA that is not trusted, is refused with a message that says which and what to do.
/// </summary>
public sealed class TlsTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task WithThePrivateCaTrustedATaskRoundTripsOverTls()
    {
        var environment = new Dictionary<string, string> { ["TaskGen__BrokerTlsCaCertificate"] = Broker.TlsCaCertificate };
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.TlsUrl, "work", "tls@%h", 2, environment);
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.TlsUrl;
            b.Options.BrokerTlsCaCertificate = Broker.TlsCaCertificate;
            b.AddTaskGenIntegrationWorkerTasks();
        });

        Assert.Equal(42, await app.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));
    }

    [Fact]
    public async Task AHostTheCertificateDoesNotNameIsRefusedEvenWithTheCaTrusted()
    {
        // The same listener by address: the chain is trusted, only the name is wrong.
        string byAddress = Broker.TlsUrl.Replace("@localhost:", "@127.0.0.1:", StringComparison.Ordinal);
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = byAddress;
            b.Options.BrokerTlsCaCertificate = Broker.TlsCaCertificate;
        });

        var ex = await Assert.ThrowsAsync<BrokerException>(async () => await app.Transport.InspectQueueAsync("work", CancellationToken.None));

        Assert.Contains("does not match the host name '127.0.0.1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DNS:localhost", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Connect by a name the certificate lists", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not trusted", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":guest@", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutThePrivateCaTheBrokerIsRefusedAsUntrusted()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = Broker.TlsUrl);

        var ex = await Assert.ThrowsAsync<BrokerException>(async () => await app.Transport.InspectQueueAsync("work", CancellationToken.None));

        Assert.Contains("is not trusted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BrokerTlsCaCertificate", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not match", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":guest@", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAnotherCaTrustedTheBrokerIsRefusedAsNotIssuedByIt()
    {
        // A CA that issued nothing on this node, so only a real chain check can tell it from the right one.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TaskGen unrelated CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 otherCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string otherCaPath = Path.Combine(Path.GetTempPath(), "taskgen-other-ca-" + Guid.NewGuid().ToString("N") + ".pem");
        await File.WriteAllTextAsync(otherCaPath, otherCa.ExportCertificatePem());
        try
        {
            await using TaskApp app = TaskApp.Create(b =>
            {
                b.Options.BrokerUrl = Broker.TlsUrl;
                b.Options.BrokerTlsCaCertificate = otherCaPath;
            });

            var ex = await Assert.ThrowsAsync<BrokerException>(async () => await app.Transport.InspectQueueAsync("work", CancellationToken.None));

            Assert.Contains($"is not issued by the CA in BrokerTlsCaCertificate '{otherCaPath}'", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("does not match", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(otherCaPath);
        }
    }
}
