using System;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>
/// <c>/api/task/result</c> reading Celery's Redis result backend (<c>TASKGEN_TEST_REDIS_URL</c>, from
/// <c>tests/broker/redis-node.sh</c>), as Flower's <c>AsyncResult</c> reads it: results stored in Celery's format by any worker.
/// </summary>
public sealed class TaskResultTests
{
    [Fact]
    public async Task ResultsAreReadFromTheBackendInFlowersShape()
    {
        string redis = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("TASKGEN_TEST_REDIS_URL is not set: start a private Redis with tests/broker/redis-node.sh start DIR and export its URL.");
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(resultBackend: redis);
        var uri = new Uri(redis);
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { uri.Host, uri.Port } },
            Password = Uri.UnescapeDataString(uri.UserInfo.TrimStart(':')),
        });
        IDatabase db = connection.GetDatabase();
        string ok = Guid.NewGuid().ToString(), failed = Guid.NewGuid().ToString(), unknown = Guid.NewGuid().ToString();
        await db.StringSetAsync("celery-task-meta-" + ok, $$"""{"status": "SUCCESS", "result": {"area": 6}, "traceback": null, "children": [], "date_done": "2026-12-07T19:31:46.278226+00:00", "task_id": "{{ok}}"}""");
        await db.StringSetAsync("celery-task-meta-" + failed, $$"""{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom 'quoted'"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  boom", "children": [], "date_done": null, "task_id": "{{failed}}"}""");

        JsonElement success = await host.GetJsonAsync("/api/task/result/" + ok);
        Assert.Equal($$$"""{"task-id":"{{{ok}}}","state":"SUCCESS","result":{"area":6}}""", success.GetRawText());

        JsonElement failure = await host.GetJsonAsync("/api/task/result/" + failed + "?timeout=5");
        Assert.Equal(("FAILURE", "ValueError(\"boom 'quoted'\")", "Traceback (most recent call last):\n  boom"), (failure.GetProperty("state").GetString(), failure.GetProperty("result").GetString(), failure.GetProperty("traceback").GetString()));

        JsonElement pending = await host.GetJsonAsync("/api/task/result/" + unknown);
        Assert.Equal($$"""{"task-id":"{{unknown}}","state":"PENDING"}""", pending.GetRawText());

        // Flower's get(timeout) raises when the task does not finish in time, and Flower answers 500 with no body.
        Assert.Equal((HttpStatusCode.InternalServerError, string.Empty), await host.GetAsync("/api/task/result/" + unknown + "?timeout=0.3"));
        Assert.Equal(HttpStatusCode.BadRequest, (await host.GetAsync("/api/task/result/" + unknown + "?timeout=soon")).Status);
    }
}
