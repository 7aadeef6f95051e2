using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A three-node RabbitMQ cluster on loopback, started by <c>tests/broker/rabbitmq-cluster.sh</c>: with the node that
/// leads the task queue stopped mid-run, two workers and a producer given every node's URL lose no task of 10,000 on a
/// quorum queue, and end connected to live nodes.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Queue = "work";
    private static readonly string s_worker = RabbitMqFixture.ProgramPath("tests/TaskGen.IntegrationWorker", "TaskGen.IntegrationWorker");
    private readonly string _cluster = Path.Combine(Path.GetTempPath(), "taskgen-cluster-" + Guid.NewGuid().ToString("N"));
    private string[] _urls = [];
    private string[] _nodes = [];

    public async Task InitializeAsync()
    {
        (int code, string log) = await ProgramProcess.RunExecutableAsync(Script, ["start", _cluster, "3"], TimeSpan.FromMinutes(4));
        Assert.True(code == 0, $"The cluster did not start:\n{log}");
        _urls = File.ReadAllLines(Path.Combine(_cluster, "urls")).Where(l => l.Length > 0).ToArray();
        _nodes = File.ReadAllLines(Path.Combine(_cluster, "nodes")).Where(l => l.Length > 0).ToArray();
        Assert.Equal(3, _urls.Length);
    }

    public async Task DisposeAsync()
    {
        await ProgramProcess.RunExecutableAsync(Script, ["stop", _cluster], TimeSpan.FromMinutes(2));
        try
        {
            Directory.Delete(_cluster, recursive: true);
        }
        catch (IOException)
        {
            // A node's files may still be held for a moment; the folder is in the temporary directory.
        }
    }

    private static string Script => Path.Combine(RabbitMqFixture.RepositoryRoot, "tests", "broker", "rabbitmq-cluster.sh");

    [Fact]
    public async Task StoppingTheQueueLeaderUnderLoadLosesNoneOfTenThousandTasks()
    {
        const int Count = 10_000;
        string path = Path.Combine(Path.GetTempPath(), "taskgen-cluster-runs-" + Guid.NewGuid().ToString("N"));
        await using TaskApp producer = QuorumApp();
        await using ProgramProcess first = await StartQuorumWorkerAsync(Queue, "left@%h");
        await using ProgramProcess second = await StartQuorumWorkerAsync(Queue, "right@%h");
        try
        {
            int resent = 0;
            using var window = new SemaphoreSlim(200);
            async Task SendAsync(int i)
            {
                await window.WaitAsync();
                try
                {
                    // Sent again with the same id until the broker confirms it: a send lost with its node is the
                    // producer's to repeat, and a repeat that duplicates one that did arrive is counted below.
                    var options = new TaskOptions { TaskId = $"cluster-{i}", IgnoreResult = true };
                    await Poll.UntilAsync(
                        async () =>
                        {
                            try
                            {
                                await producer.SendAsync(Jobs.Record.Signature(path, i, options));
                                return null;
                            }
                            catch (Exception ex) when (ex is not OutOfMemoryException)
                            {
                                Interlocked.Increment(ref resent);
                                return ex.Message;
                            }
                        },
                        failure => failure is null,
                        $"the broker to confirm task {i}",
                        TimeSpan.FromMilliseconds(200));
                }
                finally
                {
                    window.Release();
                }
            }

            string leader = await LeaderAsync();
            int stopped = Array.IndexOf(_nodes, leader);
            Assert.True(stopped >= 0, $"The leader '{leader}' of queue {Queue} is not a node of the cluster ({string.Join(", ", _nodes)}).");

            // Paced at about 500 a second, so the stop lands mid-run however fast the workers are: the pause between
            // batches sets the load, it waits for nothing.
            async Task SendPacedAsync()
            {
                var batches = new List<Task>();
                for (int start = 0; start < Count; start += 100)
                {
                    batches.Add(Task.WhenAll(Enumerable.Range(start, 100).Select(SendAsync)));
                    await Task.Delay(200);
                }

                await Task.WhenAll(batches);
            }

            Task sending = SendPacedAsync();
            await Poll.UntilAsync(() => Task.FromResult(EtaFaultTests.ReadRuns(path).Length), runs => runs >= 1_000, "1,000 tasks to run", TimeSpan.FromMilliseconds(20));
            await CtlAsync(stopped, "stop_app");
            output.WriteLine($"stopped {leader}, the leader of {Queue}, after {EtaFaultTests.ReadRuns(path).Length} runs");

            await sending;
            int[] runs = await EtaFaultTests.RunsAsync(path, Count, DateTimeOffset.UtcNow);
            int[] missing = Enumerable.Range(0, Count).Except(runs).ToArray();
            output.WriteLine($"{Count} tasks: {missing.Length} lost, {runs.Length - runs.Distinct().Count()} duplicate runs, {resent} sends repeated; new leader {await LeaderAsync((stopped + 1) % 3)}");
            Assert.True(missing.Length == 0, $"{missing.Length} task(s) lost, e.g. {string.Join(",", missing.Take(10))}");

            // Both workers end on the two live nodes: their connections are listed (cluster-wide, from a live node), and
            // none is on the stopped node's port. Asked until both are back, as recovery retries every 2 s.
            string stoppedPort = new Uri(_urls[stopped]).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int[] workers = [first.Id, second.Id];
            string connections = await Poll.UntilAsync(
                () => CtlAsync((stopped + 1) % 3, "list_connections", "port", "client_properties"),
                listing => workers.All(pid => listing.Contains($"TaskGen {Environment.MachineName}:{pid} (consuming)\"", StringComparison.Ordinal)
                    && listing.Contains($"TaskGen {Environment.MachineName}:{pid} (publishing)\"", StringComparison.Ordinal)),
                "both workers to reconnect to a live node",
                TimeSpan.FromSeconds(1));
            foreach (int pid in workers)
            {
                foreach (string line in connections.Split('\n').Where(l => l.Contains($"TaskGen {Environment.MachineName}:{pid} (", StringComparison.Ordinal)))
                {
                    Assert.False(line.StartsWith(stoppedPort + "\t", StringComparison.Ordinal), $"Worker {pid} is on the stopped node: {line}");
                }
            }
        }
        finally
        {
            EtaFaultTests.DeleteRuns(path);
        }
    }

    [Fact]
    public async Task StoppingTheCallersNodeLosesNoResultOfThreeThousandCalls()
    {
        // Results travel through the caller's reply queue, quorum like the task queues, so the loss of the node the
        // caller is connected to takes no result with it: the queue outlives the connection and elects a new leader.
        const int Count = 3_000;
        const string Slow = "slow";
        await using TaskApp caller = QuorumApp();
        await using ProgramProcess first = await StartQuorumWorkerAsync(Slow, "left@%h");
        await using ProgramProcess second = await StartQuorumWorkerAsync(Slow, "right@%h");
        var results = new AsyncResult<int>[Count];
        for (int i = 0; i < Count; i++)
        {
            results[i] = await caller.SendAsync(Jobs.Slow.Signature(i, 50));
        }

        // The caller's connection is found by the node port it is connected to; its name starts with the process's.
        string name = $"TaskGen {Environment.MachineName}:{Environment.ProcessId}";
        string line = (await CtlAsync(0, "list_connections", "port", "client_properties")).Split('\n').First(l => l.Contains(name, StringComparison.Ordinal));
        int stopped = Array.FindIndex(_urls, url => line.StartsWith(new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\t", StringComparison.Ordinal));
        Assert.True(stopped >= 0, $"The caller's connection is on no node of the cluster: {line}");
        await Poll.UntilAsync(() => Task.FromResult(results.Count(r => r.IsReady)), ready => ready >= 300, "300 results", TimeSpan.FromMilliseconds(20));
        await CtlAsync(stopped, "stop_app");
        string leader = _nodes[stopped];

        (int failed, int wrong, string firstFailure) = await ResultFaultTests.AwaitEachAsync(results);
        output.WriteLine($"stopped {leader}, the caller's node: {Count} calls, {failed} failed, {wrong} wrong");
        Assert.True(failed == 0, $"{failed} of {Count} calls failed, e.g. {firstFailure}");
        Assert.Equal(0, wrong);
    }

    /// <summary>A caller given every node's URL, its queues quorum as the cluster's task queues are.</summary>
    private TaskApp QuorumApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = string.Join(";", _urls);
        b.Options.TaskDefaultQueueType = QueueType.Quorum;
        b.AddTaskGenIntegrationWorkerTasks();
    });

    private Task<ProgramProcess> StartQuorumWorkerAsync(string queue, string name) =>
        ProgramProcess.StartWorkerAsync(s_worker, string.Join(";", _urls), queue, name, 4, new Dictionary<string, string> { ["TaskGen__TaskDefaultQueueType"] = "quorum" });

    private async Task<string> LeaderAsync(int node = 0)
    {
        string listing = await CtlAsync(node, "list_queues", "name", "leader");
        string? line = listing.Split('\n').FirstOrDefault(l => l.StartsWith(Queue + "\t", StringComparison.Ordinal));
        return line?.Split('\t')[1].Trim() ?? throw new InvalidOperationException($"Queue {Queue} is not listed:\n{listing}");
    }

    private async Task<string> CtlAsync(int node, params string[] arguments)
    {
        (int code, string text) = await ProgramProcess.RunExecutableAsync(
            Path.Combine(RabbitMqFixture.RepositoryRoot, "tests", "broker", "rabbitmq-node.sh"),
            ["ctl", Path.Combine(_cluster, $"node{node + 1}"), .. arguments]);
        return code == 0 ? text : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({code}):\n{text}");
    }
}
