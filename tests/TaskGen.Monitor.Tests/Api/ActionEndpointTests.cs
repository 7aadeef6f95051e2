using System;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Worker;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>Flower's actions on the in-memory broker: what they send, what they answer, and Flower's refusals.</summary>
public sealed class ActionEndpointTests
{
    private const double T = 1_796_671_900;

    [Fact]
    public async Task SendTaskSendsByNameToTheQueueAskedForAndAnswersTheId()
    {
        // memory:// is one broker per process, shared by the tests running beside this one: a queue of its own.
        string queue = "send-" + Guid.NewGuid().ToString("N");
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        await host.App.Transport.DeclareQueueAsync(new TaskGen.Transport.QueueSpecification(queue), default);

        (HttpStatusCode status, string body) = await host.PostAsync("/api/task/send-task/py.only.task", $$"""{"args": [2, 3], "kwargs": {"x": 1}, "countdown": 5, "queue": "{{queue}}"}""");

        Assert.True(status == HttpStatusCode.OK, body);
        JsonElement answer = JsonDocument.Parse(body).RootElement;
        Assert.True(Guid.TryParse(answer.GetProperty("task-id").GetString(), out _), body);
        Assert.Equal(1u, (await host.App.Transport.InspectQueueAsync(queue, default))!.Value.Messages);
    }

    [Fact]
    public async Task AsyncApplyNeedsATaskTheMonitorKnowsAndTheBodyFlowerTakes()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        await host.App.Transport.DeclareQueueAsync(new TaskGen.Transport.QueueSpecification("celery"), default);

        Assert.Equal((HttpStatusCode.NotFound, string.Empty), await host.PostAsync("/api/task/async-apply/never.seen", "{}"));

        host.Event(CeleryEvents.Received("t1", "mon.add", "py56@lab", T));
        (HttpStatusCode status, string body) = await host.PostAsync("/api/task/async-apply/mon.add", """{"args": [1, 2]}""");
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("task-id", out _));

        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/api/task/async-apply/mon.add", """{"args": {"a": 1}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/api/task/async-apply/mon.add", "[1, 2]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/api/task/async-apply/mon.add", "{not json")).Status);
    }

    [Fact]
    public async Task RevokeBroadcastsAndAnswersFlowersMessage()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        (HttpStatusCode status, string body) = await host.PostAsync("/api/task/revoke/abc-123?terminate=true&signal=SIGKILL");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Revoked 'abc-123'", JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/api/task/revoke/abc-123?terminate=perhaps")).Status);
    }

    [Fact]
    public async Task WorkerCommandsNeedAKnownWorkerAndTaskCommandsAKnownTask()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.WorkerOnline("w1@test", T));
        host.Event(CeleryEvents.Received("t1", "mon.add", "w1@test", T));

        Assert.Equal((HttpStatusCode.NotFound, "Unknown worker 'nobody@x'"), await host.PostAsync("/api/worker/shutdown/nobody@x"));
        Assert.Equal((HttpStatusCode.NotFound, "Unknown worker 'nobody@x'"), await host.PostAsync("/api/worker/queue/add-consumer/nobody@x?queue=q"));
        Assert.Equal((HttpStatusCode.NotFound, "Unknown task 'no.such'"), await host.PostAsync("/api/task/rate-limit/no.such?workername=w1@test&ratelimit=1/s"));
        Assert.Equal((HttpStatusCode.NotFound, "Unknown worker 'nobody@x'"), await host.PostAsync("/api/task/timeout/mon.add?workername=nobody@x&hard=1"));
        Assert.Equal((HttpStatusCode.BadRequest, "Missing argument workername"), await host.PostAsync("/api/task/rate-limit/mon.add?ratelimit=1/s"));
        Assert.Equal((HttpStatusCode.BadRequest, "Missing argument queue"), await host.PostAsync("/api/worker/queue/cancel-consumer/w1@test"));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/api/worker/shutdown/w1@test")).Status);
    }

    [Fact]
    public async Task AWorkersRefusalIs403WithItsReasonAsFlowerAnswers()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.InspectTimeout = TimeSpan.FromSeconds(10));
        await using TaskWorker worker = host.App.CreateWorker(new WorkerOptions { Queues = ["celery"], NodeName = "w1@test", Concurrency = 1 });
        await worker.StartAsync(default);
        host.Event(CeleryEvents.WorkerOnline("w1@test", T));
        host.Event(CeleryEvents.Received("t1", "mon.add", "w1@test", T));

        // The worker does not run mon.add, and refuses as Celery's nodes do.
        (HttpStatusCode status, string body) = await host.PostAsync("/api/task/rate-limit/mon.add", change: request =>
            request.Content = new System.Net.Http.FormUrlEncodedContent([new("workername", "w1@test"), new("ratelimit", "10/m")]));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Failed to set rate limit: 'unknown task'", body);
    }
}
