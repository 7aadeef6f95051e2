using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A <c>sentinel://</c> result backend with <see cref="TaskAppOptions.ResultBackendUseTls"/> on a real Sentinel group
/// whose servers listen for TLS only (no plain port at all), with certificates from a private CA: trusted, results
/// round-trip and survive a failover; untrusted, the caller is told which certificate and which setting. The group's
/// primary dialled directly by <c>rediss://</c> is held to the same.
/// </summary>
public sealed class SentinelTlsTests(RabbitMqFixture broker, RedisSentinelTlsFixture sentinel, ITestOutputHelper output) : IntegrationTest(broker), IClassFixture<RedisSentinelTlsFixture>
{
    [Fact]
    public async Task WithThePrivateCaTrustedAResultRoundTripsThroughTheSentinels()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "sentinel-tls@%h", 2, sentinel.WorkerEnvironment);
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            sentinel.UseAsResultBackend(b.Options);
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });

        Assert.Equal(42, await app.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));
    }

    [Fact]
    public Task KillingThePrimaryMidStreamOverTlsLosesNoResultAndRunsNoTaskTwice() =>
        SentinelFaultTests.KillThePrimaryMidStreamAsync(Broker, sentinel, 100, output);

    [Fact]
    public async Task WithoutThePrivateCaTheCallerIsToldTheCertificateIsUntrustedAndWhatToSet()
    {
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            sentinel.UseAsResultBackend(b.Options);
            b.AddRedisResults();
            b.Options.ResultBackendTlsCaCertificate = null;
            b.AddTaskGenIntegrationWorkerTasks();
        });

        var ex = await Assert.ThrowsAsync<TaskResultLostException>(async () => await app.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));

        output.WriteLine(ex.Message);
        AssertNamesTheUntrustedCertificate(ex);
    }

    [Fact]
    public async Task ARedissUrlWithoutThePrivateCaIsRefusedInTheSameWordsAndWithItARoundTrip()
    {
        // One server dialled directly: the library would otherwise time its commands out without saying why.
        string url = await sentinel.ReadPrimaryUrlAsync();
        await using (TaskApp untrusting = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = url;
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        }))
        {
            AssertNamesTheUntrustedCertificate(await Assert.ThrowsAsync<TaskResultLostException>(async () => await untrusting.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard)));
        }

        var environment = new Dictionary<string, string> { ["TaskGen__ResultBackend"] = url, ["TaskGen__ResultBackendTlsCaCertificate"] = sentinel.TlsCaCertificate! };
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "rediss@%h", 2, environment);
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = url;
            b.AddRedisResults();
            b.Options.ResultBackendTlsCaCertificate = sentinel.TlsCaCertificate;
            b.AddTaskGenIntegrationWorkerTasks();
        });

        Assert.Equal(42, await app.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));
    }

    private void AssertNamesTheUntrustedCertificate(TaskResultLostException ex)
    {
        Assert.Contains("The Redis server's TLS certificate is not trusted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("set TaskGen:ResultBackendTlsCaCertificate", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(sentinel.Password, ex.Message, StringComparison.Ordinal);
    }
}
