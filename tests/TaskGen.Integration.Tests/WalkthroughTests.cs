using System;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>The seed's chapter on a real broker, with the sample's own worker program.</summary>
public sealed class WalkthroughTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task RoutedTaskRunsUnconsumedQueueWaitsAndPurgeEmptiesIt()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc", "calc@%h");

        // RectArea is routed to 'calc', which the worker consumes.
        AsyncResult<double> area = App.Send(Geometry.RectArea.Signature(2, 2));
        Assert.Equal(4, await area.GetAsync(Guard));

        // CircleArea goes to the default queue 'celery', which nobody consumes: it waits there, and the
        // timeout says why instead of hanging silently.
        AsyncResult<double> circle = await App.SendAsync(Geometry.CircleArea.Signature(1));
        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(() => circle.GetAsync(TimeSpan.FromSeconds(1)));
        Assert.Contains("Queue 'celery' has no consumers (1 message(s) waiting)", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(1u, await ReadyAsync("celery"));

        (int code, string output) = await ProgramProcess.RunAsync(CeleryAppProgram, "purge", "-Q", "celery", "--broker", Broker.Url);
        Assert.True(code == 0, output);
        Assert.Contains("Purged 1 message from 1 known task queue.", output, StringComparison.Ordinal);
        Assert.Equal(0u, await ReadyAsync("celery"));
    }

    [Fact]
    public async Task CallCommandPrintsTheResult()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc,celery", "both@%h");

        (int code, string output) = await ProgramProcess.RunAsync(CeleryAppProgram, "call", "CeleryApp.Tasks.Arithmetics.Add", "[20, 22]", "--broker", Broker.Url);

        Assert.True(code == 0, output);
        Assert.Equal("42", output.Trim());
    }

    [Fact]
    public async Task TheSampleProgramRefusesABadCommandLineWithCelerysUsageCodeAndDescribesItself()
    {
        // Refused while parsing, before the broker is reached: 64 (EX_USAGE), as Celery's command line.
        (int code, string output) = await ProgramProcess.RunAsync(CeleryAppProgram, "worker", "-Q", "calc", "-c", "0", "--broker", Broker.Url);
        Assert.True(code == 64, output);
        Assert.Contains("Option -c/--concurrency expects a whole number of at least 1 (e.g. -c 8), not '0'.", output, StringComparison.Ordinal);
        Assert.Contains("Run 'CeleryApp worker --help' for its arguments and options.", output, StringComparison.Ordinal);

        (code, output) = await ProgramProcess.RunAsync(CeleryAppProgram, "worker", "--help");
        Assert.True(code == 0, output);
        Assert.Contains("-c, --concurrency <n>", output, StringComparison.Ordinal);
    }
}
