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
}
