using System;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Connections that the broker drops come back by themselves, with their queues and consumers.</summary>
public sealed class RecoveryTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task AfterTheBrokerClosesEveryConnectionCallsWorkAgain()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "recovering@%h");
        Assert.Equal(3, await App.Send(Jobs.Add.Signature(1, 2)).GetAsync(Guard));

        await Broker.CtlAsync("close_all_connections", "recovery test");
        await worker.WaitForLineAsync(line => line.Contains("recovered", StringComparison.Ordinal), "the worker's connection to recover");

        // The producer's connection recovers too, on its own schedule; calls fail until it has.
        int? sum = await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return (int?)await App.Send(Jobs.Add.Signature(20, 22)).GetAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    return null;
                }
            },
            value => value is not null,
            "a call to succeed once the producer's connection is back",
            TimeSpan.FromMilliseconds(200));

        Assert.Equal(42, sum);
    }
}
