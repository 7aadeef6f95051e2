using System;
using System.IO;
using System.Net.Security;
using RabbitMQ.Client;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Transport;

/// <summary>
/// The connection settings a broker URL turns into: an <c>amqps://</c> URL verifies the host name (which
/// RabbitMQ.Client's URL parsing alone does not), and a CA setting is refused where it cannot apply.
/// The handshake itself is tested on a real broker in the integration suite.
/// </summary>
public sealed class RabbitMqConnectionSettingsTests
{
    private const string Password = "s3cr3t-Pa55";

    [Fact]
    public void AmqpsVerifiesTheUrlHostAndAcceptsNoPolicyError()
    {
        string url = $"amqps://worker:{Password}@rabbit.example:5671/prod";
        ConnectionFactory factory = RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url));

        Assert.True(factory.Ssl.Enabled);
        Assert.Equal("rabbit.example", factory.Ssl.ServerName);
        Assert.Equal(SslPolicyErrors.None, factory.Ssl.AcceptablePolicyErrors);
        Assert.NotNull(factory.Ssl.CertificateValidationCallback);
        Assert.Equal(5671, factory.Port);
        Assert.Equal("test", factory.ClientProvidedName);
        Assert.True(factory.AutomaticRecoveryEnabled);
    }

    [Fact]
    public void AmqpHasNoTls()
    {
        string url = "amqp://guest:guest@rabbit.example/";
        Assert.False(RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url)).Ssl.Enabled);
    }

    [Fact]
    public void CaCertificateOnAPlainUrlIsRefusedWithoutThePassword()
    {
        string url = $"amqp://worker:{Password}@rabbit.example/";
        var ex = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url), "ca.pem"));

        Assert.Contains("amqps://", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaCertificateMissingNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-no-such-ca-" + Guid.NewGuid().ToString("N") + ".pem");
        string url = $"amqps://worker:{Password}@rabbit.example/";
        var ex = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url), path));

        Assert.Contains("BrokerTlsCaCertificate", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaCertificateWithoutACertificateSaysWhatItMustHold()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate\n");
            string url = "amqps://guest:guest@rabbit.example/";
            var ex = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url), path));

            Assert.Contains("BEGIN CERTIFICATE", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnparseableUrlIsAConfigurationErrorWithoutThePassword()
    {
        string url = $"amqps://worker:{Password}@rabbit.example:notaport/";
        var ex = Assert.Throws<TaskAppConfigurationException>(() => RabbitMqConnectionSettings.CreateFactory(url, "test", BrokerUrls.Redact(url)));

        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
    }
}
