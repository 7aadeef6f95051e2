using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Tests.EndToEnd;
using TaskGen.Transport;
using TaskGen.Transport.RabbitMq;

namespace TaskGen.Tests.Client;

/// <summary>Routes from configuration, result backends, and what a failed connection may say.</summary>
public sealed class RoutingTests
{
    [Fact]
    public async Task TaskRoutesSendATaskToTheQueueItsGlobNames()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(startWorker: false, configure: b => b.Options.TaskRoutes["TaskGen.Tests.EndToEnd.TestTasks.A*"] = "slow");

        AsyncResult<int> routed = await env.App.SendAsync(EndToEnd.Remote.TestTasks.Add.Signature(1, 2));
        AsyncResult<double> notRouted = await env.App.SendAsync(EndToEnd.Remote.TestTasks.Divide.Signature(1, 2));

        Assert.Equal(1, env.Broker.CountReady("slow"));
        Assert.Equal(1, env.Broker.CountReady("celery"));
        Assert.NotEqual(routed.Id, notRouted.Id);
    }

    [Fact]
    public async Task WithoutAResultBackendTasksRunAndResultsAreRefused()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.Options.ResultBackend = "none");
        string note = Guid.NewGuid().ToString();

        AsyncResult result = await env.App.SendAsync(EndToEnd.Remote.TestTasks.Record.Signature(note));

        await TestTasks.Recorded.GetOrAdd(note, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => result.GetAsync(MemoryEnvironment.Guard));
        Assert.Contains("no result backend", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedConnectionNeverShowsThePassword()
    {
        // A loopback port nobody listens on: the connection is refused at once.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        const string password = "s3cr3t-Pa55";
        await using var transport = new RabbitMqTransport($"amqp://taskgen:{password}@127.0.0.1:{port}/", "test", Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        BrokerException error = await Assert.ThrowsAsync<BrokerException>(() => transport.PurgeAsync("celery", CancellationToken.None).AsTask());

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, transport.Description, StringComparison.Ordinal);
    }
}
