using System;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>The <c>status</c> and <c>inspect</c> commands against running worker processes.</summary>
public sealed class ControlTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task StatusListsEveryRunningWorker()
    {
        await using ProgramProcess one = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "one@%h");
        await using ProgramProcess two = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "two@%h");

        (int code, string output) = await ProgramProcess.RunAsync(WorkerProgram, "status", "--broker", Broker.Url);

        Assert.True(code == 0, output);
        Assert.Contains($"-> one@{Environment.MachineName}: OK", output, StringComparison.Ordinal);
        Assert.Contains($"-> two@{Environment.MachineName}: OK", output, StringComparison.Ordinal);
        Assert.Contains("2 nodes online.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusExitsWith69WhenNoWorkerAnswers()
    {
        (int code, string output) = await ProgramProcess.RunAsync(WorkerProgram, "status", "--broker", Broker.Url);

        Assert.Equal(69, code);
        Assert.Contains("No nodes replied within time constraint", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectPingRegisteredActiveAndStats()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", "inspected@%h");
        string node = $"inspected@{Environment.MachineName}";

        (int code, string ping) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "ping", "--broker", Broker.Url);
        Assert.True(code == 0, ping);
        Assert.Contains($"-> {node}: OK", ping, StringComparison.Ordinal);
        Assert.Contains("\"ok\": \"pong\"", ping, StringComparison.Ordinal);

        (code, string registered) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "registered", "--broker", Broker.Url);
        Assert.True(code == 0, registered);
        Assert.Contains(Jobs.Add.Name, registered, StringComparison.Ordinal);
        Assert.Contains(Jobs.Slow.Name, registered, StringComparison.Ordinal);

        // A task that is running shows in 'active' with its id and arguments. It runs long enough that starting an
        // 'inspect' process on a busy machine (seconds) cannot outlast it.
        AsyncResult<int> slow = App.Send(Jobs.Slow.Signature(7, 15_000));
        string active = await Poll.UntilAsync(
            async () =>
            {
                (int exit, string output) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "active", "--broker", Broker.Url);
                Assert.True(exit == 0, output);
                return output;
            },
            output => output.Contains(slow.Id, StringComparison.Ordinal),
            "the running task in 'inspect active'");

        Assert.Contains(slow.Id, active, StringComparison.Ordinal);
        Assert.Contains(Jobs.Slow.Name, active, StringComparison.Ordinal);
        Assert.Equal(7, await slow.GetAsync(Guard));

        (code, string stats) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "stats", "--broker", Broker.Url);
        Assert.True(code == 0, stats);
        Assert.Contains("\"total\": {", stats, StringComparison.Ordinal);
        Assert.Contains($"\"{Jobs.Slow.Name}\": 1", stats, StringComparison.Ordinal);
        Assert.Contains("\"prefetch_count\": 16", stats, StringComparison.Ordinal);
        Assert.Contains("\"broker\": {", stats, StringComparison.Ordinal);
        Assert.DoesNotContain("guest:guest", stats, StringComparison.Ordinal);

        (code, string queues) = await ProgramProcess.RunAsync(WorkerProgram, "inspect", "active_queues", "--broker", Broker.Url);
        Assert.True(code == 0, queues);
        Assert.Contains("\"name\": \"slow\"", queues, StringComparison.Ordinal);
    }
}
