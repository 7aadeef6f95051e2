using System;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Interop.Tests;

/// <summary>
/// Celery's own <c>celery control</c> commands, as an operator or Flower sends them, get a TaskGen worker's reply and
/// take effect: rate and time limits, cancelling and adding a consumer, terminating a task, shutting the worker down.
/// </summary>
public sealed class ControlCommandsTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task CeleryControlCommandsAreAnsweredByATaskGenWorker(string celery)
    {
        string node = $"netctl{Guid.NewGuid().ToString("N")[..6]}@{Environment.MachineName}";
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", node);

        await AssertRepliedAsync(celery, node, "new rate limit set successfully", "rate_limit", Jobs.Add.Name, "10/m");
        await AssertRepliedAsync(celery, node, "unknown task", "rate_limit", "no.such.task", "10/m");
        await AssertRepliedAsync(celery, node, "time limits set successfully", "time_limit", Jobs.Add.Name, "10", "20");
        await AssertRepliedAsync(celery, node, "no longer consuming from slow", "cancel_consumer", "slow");
        await AssertRepliedAsync(celery, node, "add consumer slow", "add_consumer", "slow");
        Assert.Equal(4, await (await App.SendAsync(Jobs.Slow.Signature(4, 10))).GetAsync(Guard));

        AsyncResult<int> spinning = await App.SendAsync(Jobs.Spin.Signature(600_000));
        await Poll.UntilAsync(async () => (await Python.CeleryAsync(celery, Broker.Url, "inspect", "active", "-d", node)).Output, o => o.Contains(spinning.Id, StringComparison.Ordinal), "the task to run");
        await AssertRepliedAsync(celery, node, "terminate: " + spinning.Id, "terminate", "SIGTERM", spinning.Id);
        await Assert.ThrowsAsync<TaskRevokedException>(() => spinning.GetAsync(Guard));

        await AssertRepliedAsync(celery, node, "shutdown", "shutdown");
        await worker.WaitForExitAsync();
        Assert.Equal(0, worker.ExitCode);
    }

    private async Task AssertRepliedAsync(string celery, string node, string reply, params string[] command)
    {
        (int code, string output) = await Python.CeleryAsync(celery, Broker.Url, ["control", .. command, "-d", node, "--timeout", "10"]);
        Assert.True(code == 0, output);
        Assert.Contains(node, output, StringComparison.Ordinal);
        Assert.Contains(reply, output, StringComparison.Ordinal);
    }
}
