using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Control;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>Load spread over several worker processes, with nothing lost.</summary>
public sealed class ScaleTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TenThousandTasksOverTwoWorkersAllComeBackCorrect()
    {
        await using ProgramProcess first = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "first@%h");
        await using ProgramProcess second = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "second@%h");

        AsyncResult<int>[] results = Enumerable.Range(0, 10_000).Select(i => App.Send(Jobs.Add.Signature(i, 1))).ToArray();
        int[] values = await Task.WhenAll(results.Select(r => r.GetAsync(Guard)));

        Assert.Equal(Enumerable.Range(1, 10_000), values);
        IReadOnlyList<ControlReply> stats = await new RemoteControlClient(App.Transport).CallAsync("stats", null, TimeSpan.FromSeconds(5), [Node("first"), Node("second")]);
        long[] totals = stats.Select(s => s.Reply.GetProperty("total").TryGetProperty(Jobs.Add.Name, out JsonElement n) ? n.GetInt64() : 0).ToArray();
        Assert.Equal(2, totals.Length);
        Assert.All(totals, total => Assert.True(total > 0, "Both workers should have taken part of the load."));
        Assert.Equal(10_000, totals.Sum());
    }

    private static string Node(string name) => $"{name}@{Environment.MachineName}";
}
