using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Broadcast queues on a real broker: a fanout exchange and one private queue per worker.</summary>
public sealed class BroadcastTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task ThreeWorkersReplyKeyedByWorkerName()
    {
        await using ProgramProcess a = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "fleet", "alpha@%h");
        await using ProgramProcess b = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "fleet", "beta@%h");
        await using ProgramProcess c = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "fleet", "gamma@%h");

        BroadcastResult<string> result = await App.BroadcastAsync(Jobs.Hello.Signature("hello"));
        IReadOnlyDictionary<string, string> replies = await result.GetAsync(Guard, expectedCount: 3);

        string host = Environment.MachineName;
        Assert.Equal(new[] { $"alpha@{host}", $"beta@{host}", $"gamma@{host}" }, replies.Keys.Order(StringComparer.Ordinal));
        Assert.Equal($"hello from beta@{host}", replies[$"beta@{host}"]);
    }

    [Fact]
    public async Task ABroadcastThatReachesNoWorkerIsEmptyAtOnce()
    {
        BroadcastResult<string> result = await App.BroadcastAsync(Jobs.Hello.Signature("anyone?"));
        Task<IReadOnlyDictionary<string, string>> replies = result.GetAsync(TimeSpan.FromHours(1));

        Assert.True(result.ReachedNoWorker);
        Assert.True(replies.IsCompleted, "Waiting for the replies of a broadcast that reached nobody must end at once.");
        Assert.Empty(await replies);
    }

    [Fact]
    public async Task TheCalculatorSamplePrintsAnEmptyBroadcastAndExitsZeroWhenNoWorkerIsBoundToIt()
    {
        // The sample's worker serves its direct queues only, so nothing is bound to 'broadcast_calc'.
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc,celery", "direct@%h");

        (int code, string output) = await ProgramProcess.RunAsync(RabbitMqFixture.ProgramPath("samples/Calculator", "Calculator"), "--broker", Broker.Url);

        Assert.True(code == 0, $"exit {code}:\n{output}");
        Assert.Contains("RectArea(5, 5) broadcast to 'broadcast_calc': 0 worker(s) answered (no worker is bound to it: start one with worker -Q broadcast_calc)", output, StringComparison.Ordinal);
        Assert.Contains($"-> direct@{Environment.MachineName}", output, StringComparison.Ordinal);
    }
}
