using System;
using System.IO;
using TaskGen.Redis;

namespace TaskGen.Tests.Results;

/// <summary>
/// The Redis result backend's TLS settings without a server: which URLs and options speak TLS, and the settings that
/// cannot apply (a CA without TLS, TLS options on a backend that is not Redis), refused at validation with what to do.
/// The handshakes themselves are tested on a real Sentinel group in the integration suite.
/// </summary>
public sealed class RedisTlsSettingsTests
{
    private const string Sentinels = "sentinel://:s3cret@10.0.0.1:26379/0;sentinel://:s3cret@10.0.0.2:26379/0";

    [Theory]
    [InlineData("redis://:s3cret@cache:6379/0", false, false)]
    [InlineData("redis://:s3cret@cache:6379/0", true, true)]
    [InlineData("rediss://:s3cret@cache:6379/0", false, true)]
    [InlineData(Sentinels, false, false)]
    [InlineData(Sentinels, true, true)]
    public void TlsIsSpokenForRedissOrWhenAskedFor(string url, bool useTls, bool tls)
    {
        var connection = new RedisResultConnection(RedisUrl.Parse(url), "test", "results", useTls);

        Assert.Equal(tls, connection.Tls);
    }

    [Theory]
    [InlineData(Sentinels)]
    [InlineData("redis://:s3cret@cache:6379/0")]
    public void ACaWithoutTlsIsRefusedWithWhatToSet(string url)
    {
        string refused = Refusal(new TaskAppOptions { ResultBackend = url, ResultBackendMasterName = "results", ResultBackendTlsCaCertificate = "ca.pem" });

        Assert.Contains("ResultBackendTlsCaCertificate is set", refused, StringComparison.Ordinal);
        Assert.Contains("set ResultBackendUseTls", refused, StringComparison.Ordinal);
        Assert.Contains("rediss://", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Sentinels, true)]
    [InlineData("redis://:s3cret@cache:6379/0", true)]
    [InlineData("rediss://:s3cret@cache:6379/0", false)]
    public void ACaWithTlsIsAccepted(string url, bool useTls) =>
        Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = url, ResultBackendMasterName = "results", ResultBackendUseTls = useTls, ResultBackendTlsCaCertificate = "ca.pem" }.Validate));

    [Fact]
    public void TlsThroughSentinelsWithTheSystemsRootsIsAccepted() =>
        Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = Sentinels, ResultBackendMasterName = "results", ResultBackendUseTls = true }.Validate));

    [Theory]
    [InlineData("rpc://")]
    [InlineData("none")]
    public void TlsSettingsOnABackendThatIsNotRedisAreRefusedTogether(string backend)
    {
        string refused = Refusal(new TaskAppOptions { ResultBackend = backend, ResultBackendUseTls = true, ResultBackendTlsCaCertificate = "ca.pem" });

        // Each setting on a line of its own, so that both are mended in one pass.
        Assert.StartsWith("2 settings are refused:", refused, StringComparison.Ordinal);
        Assert.Contains("- ResultBackendUseTls is set but ResultBackend", refused, StringComparison.Ordinal);
        Assert.Contains("- ResultBackendTlsCaCertificate is set but ResultBackend", refused, StringComparison.Ordinal);
        Assert.Contains("remove the setting", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void ABlankCaIsNoCa() => Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = "rpc://", ResultBackendTlsCaCertificate = " " }.Validate));

    [Fact]
    public void AMissingCaFileStopsTheAppAtCreationNamingTheSetting()
    {
        string path = Path.Combine(Path.GetTempPath(), "taskgen-no-such-ca-" + Guid.NewGuid().ToString("N") + ".pem");

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://redis-tls-settings";
            b.Options.ResultBackend = Sentinels;
            b.AddRedisResults();
            b.Options.ResultBackendMasterName = "results";
            b.Options.ResultBackendUseTls = true;
            b.Options.ResultBackendTlsCaCertificate = path;
        }));

        Assert.Contains($"ResultBackendTlsCaCertificate '{path}' cannot be read", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACaFileWithoutACertificateSaysWhatItMustHold()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate\n");

            TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(
                () => new RedisResultConnection(RedisUrl.Parse(Sentinels), "test", "results", useTls: true, tlsCaCertificate: path));

            Assert.Contains("ResultBackendTlsCaCertificate", refused.Message, StringComparison.Ordinal);
            Assert.Contains("BEGIN CERTIFICATE", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Refusal(TaskAppOptions options) => Assert.Throws<TaskAppConfigurationException>(options.Validate).Message;
}
