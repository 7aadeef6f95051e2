using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>Flower's read endpoints: paths, shapes, filters, paging, sorting and status codes.</summary>
public sealed class ReadEndpointTests
{
    private const double T = 1_796_671_900;

    /// <summary>Celery's Task.as_dict() keys, in order, as Flower's /api/task/info answers them.</summary>
    private static readonly string[] s_taskKeys =
    [
        "uuid", "name", "state", "received", "sent", "started", "rejected", "succeeded", "failed", "retried", "revoked", "args", "kwargs",
        "eta", "expires", "retries", "worker", "result", "exception", "timestamp", "runtime", "traceback", "exchange", "routing_key", "clock",
        "client", "root", "root_id", "parent", "parent_id", "children",
    ];

    [Fact]
    public async Task TaskInfoHasCelerysKeysInOrderAndUnknownIdsAre404WithNoBody()
    {
        await using MonitorTestHost host = await FeedAsync();

        JsonElement info = await host.GetJsonAsync("/api/task/info/t-ok");
        Assert.Equal(s_taskKeys, info.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("SUCCESS", "mon.add", "py56@lab", "5", "gen1@vm"), (info.GetProperty("state").GetString(), info.GetProperty("name").GetString(), info.GetProperty("worker").GetString(), info.GetProperty("result").GetString(), info.GetProperty("client").GetString()));
        Assert.Equal(T + 1, info.GetProperty("received").GetDouble());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("failed").ValueKind);
        Assert.Equal(0, info.GetProperty("children").GetArrayLength());

        JsonElement sentOnly = await host.GetJsonAsync("/api/task/info/t-sent");
        Assert.Equal(("PENDING", JsonValueKind.Null), (sentOnly.GetProperty("state").GetString(), sentOnly.GetProperty("worker").ValueKind));

        (HttpStatusCode status, string body) = await host.GetAsync("/api/task/info/nope");
        Assert.Equal((HttpStatusCode.NotFound, string.Empty), (status, body));
    }

    [Fact]
    public async Task TaskListIsAnObjectKeyedByIdNewestFirstWithTheWorkerLastAndAbsentWhenUnknown()
    {
        await using MonitorTestHost host = await FeedAsync();

        JsonElement tasks = await host.GetJsonAsync("/api/tasks");
        Assert.Equal(["t-sent", "t-run", "t-fail", "t-ok"], tasks.EnumerateObject().Select(p => p.Name));
        JsonElement ok = tasks.GetProperty("t-ok");
        Assert.Equal("worker", ok.EnumerateObject().Last().Name);
        Assert.Equal(s_taskKeys.Where(k => k != "worker").Append("worker"), ok.EnumerateObject().Select(p => p.Name));
        Assert.False(tasks.GetProperty("t-sent").TryGetProperty("worker", out _));
    }

    [Theory]
    [InlineData("?limit=2", new[] { "t-sent", "t-run" })]
    [InlineData("?limit=2&offset=1", new[] { "t-run", "t-fail" })]
    [InlineData("?offset=-5&limit=1", new[] { "t-sent" })]
    [InlineData("?limit=0", new string[0])]
    [InlineData("?limit=-1", new string[0])]
    [InlineData("?state=FAILURE", new[] { "t-fail" })]
    [InlineData("?state=failure", new[] { "t-fail" })]
    [InlineData("?state=All&taskname=All&workername=All&limit=1", new[] { "t-sent" })]
    [InlineData("?taskname=MON.FAIL", new[] { "t-fail" })]
    [InlineData("?workername=dotnet@lab", new[] { "t-run" })]
    [InlineData("?sort_by=name", new[] { "t-ok", "t-sent", "t-fail", "t-run" })]
    [InlineData("?sort_by=-received", new[] { "t-run", "t-fail", "t-ok", "t-sent" })]
    [InlineData("?sort_by=started", new[] { "t-sent", "t-ok", "t-fail", "t-run" })]
    [InlineData("?search=boom", new[] { "t-fail" })]
    [InlineData("?search=name:mon.fail%20OR%20state:STARTED", new[] { "t-run", "t-fail" })]
    [InlineData("?search=kwargs:user%3Dalice", new[] { "t-run" })]
    [InlineData("?search=%22mon.sl%22%20AND%20dotnet", new[] { "t-run" })]
    public async Task TaskListFiltersSortsAndPagesAsFlower(string query, string[] expected)
    {
        await using MonitorTestHost host = await FeedAsync();

        JsonElement tasks = await host.GetJsonAsync("/api/tasks" + query);

        Assert.Equal(expected, tasks.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task ReceivedRangesUseFlowersFormatInLocalTimeAndLetTasksWithoutTheTimeThrough()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        DateTime local = new(2026, 12, 7, 10, 30, 0, DateTimeKind.Local);
        double at = new DateTimeOffset(local).ToUnixTimeSeconds();
        host.Event(CeleryEvents.Received("early", "n", "w@a", at - 600));
        host.Event(CeleryEvents.Received("late", "n", "w@a", at + 600));
        host.Event(CeleryEvents.Sent("unsent", "n", at));

        JsonElement tasks = await host.GetJsonAsync("/api/tasks?received_start=2026-12-07%2010:30");

        Assert.Equal(["late", "unsent"], tasks.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData("?limit=abc")]
    [InlineData("?offset=abc")]
    [InlineData("?sort_by=runtime")]
    [InlineData("?received_start=yesterday")]
    public async Task AClientsMistakeInTheListIs400WithNoBody(string query)
    {
        await using MonitorTestHost host = await FeedAsync();

        (HttpStatusCode status, string body) = await host.GetAsync("/api/tasks" + query);

        Assert.Equal((HttpStatusCode.BadRequest, string.Empty), (status, body));
    }

    [Theory]
    [InlineData("ab", "Substring search terms must contain at least 3 characters at position 0.")]
    [InlineData("%22abc", "Unterminated quoted phrase at position 0.")]
    [InlineData("NOT%20abc", "NOT is not supported at position 0.")]
    [InlineData("abc%20OR", "OR must be followed by a search term at position 4.")]
    [InlineData("(abc", "Missing closing parenthesis at position 0.")]
    [InlineData("-abc", "Negation with '-' is not supported at position 0.")]
    public async Task ASearchSyntaxErrorIs400WithFlowersMessage(string search, string message)
    {
        await using MonitorTestHost host = await FeedAsync();

        (HttpStatusCode status, string body) = await host.GetAsync("/api/tasks?search=" + search);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(message, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AnswersAreJsonThatNoBrowserReadsAsAPageWithTextAsWritten()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.Received("t1", "x", "w@a", T, "('<script>alert(1)</script>', 'é')"));

        using System.Net.Http.HttpResponseMessage response = await host.Client.GetAsync("/api/task/info/t1");

        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("\"args\":\"('<script>alert(1)</script>', 'é')\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskTypesListsEveryNameSeenSorted()
    {
        await using MonitorTestHost host = await FeedAsync();

        JsonElement types = await host.GetJsonAsync("/api/task/types");

        Assert.Equal(["mon.add", "mon.fail", "mon.sleep"], types.GetProperty("task-types").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task WorkersListsTheInspectRepliesPerWorkerWithTheirTimestamp()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        Assert.Equal("{}", (await host.GetJsonAsync("/api/workers")).GetRawText());

        host.Event(CeleryEvents.WorkerOnline("py56@lab", T));
        host.Inspect("py56@lab", "registered", """["mon.add","mon.fail"]""");
        host.Inspect("py56@lab", "stats", """{"total":{"mon.add":2},"pid":5300,"clock":"112","broker":{"hostname":"127.0.0.1","userid":"guest","alternates":["amqp://a:b@c//"]}}""");
        host.Inspect("py56@lab", "revoked", """[]""");
        host.Event(CeleryEvents.WorkerOnline("events-only@lab", T));

        JsonElement workers = await host.GetJsonAsync("/api/workers");

        JsonElement worker = Assert.Single(workers.EnumerateObject()).Value;
        Assert.Equal(["stats", "registered", "revoked", "timestamp"], worker.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["mon.add", "mon.fail"], worker.GetProperty("registered").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("112", worker.GetProperty("stats").GetProperty("clock").GetString());
        Assert.False(worker.GetProperty("stats").GetProperty("broker").TryGetProperty("alternates", out _));
        Assert.Equal(JsonValueKind.Number, worker.GetProperty("timestamp").ValueKind);

        Assert.Equal(["py56@lab"], (await host.GetJsonAsync("/api/workers?workername=py56@lab")).EnumerateObject().Select(p => p.Name));
        (HttpStatusCode status, string body) = await host.GetAsync("/api/workers?workername=nobody@x");
        Assert.Equal((HttpStatusCode.NotFound, "Unknown worker 'nobody@x'"), (status, body));
    }

    [Fact]
    public async Task WorkerStatusSaysWhoIsAliveByEventsAndABadBooleanIs400()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.WorkerOnline("py56@lab", T));
        host.Event(CeleryEvents.WorkerOnline("gone@lab", T));
        host.Event($$"""{"type":"worker-offline","hostname":"gone@lab","timestamp":{{T}}}""");
        host.Inspect("inspect-only@lab", "registered", "[]");

        JsonElement status = await host.GetJsonAsync("/api/workers?status=yes");

        Assert.Equal(new Dictionary<string, bool> { ["gone@lab"] = false, ["py56@lab"] = true }, status.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetBoolean()));
        (HttpStatusCode code, string body) = await host.GetAsync("/api/workers?status=maybe");
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid argument 'maybe' of type 'bool'"), (code, body));
    }

    [Fact]
    public async Task QueueLengthsNameEachKnownQueueWithItsMessages()
    {
        // memory:// is one broker per process, shared by the tests running beside this one: a queue of its own.
        string name = "lengths-" + Guid.NewGuid().ToString("N");
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.Queues.Add(name));
        await host.App.Transport.DeclareQueueAsync(new TaskGen.Transport.QueueSpecification(name), default);
        await host.PostAsync("/api/task/send-task/any.task", $$"""{"queue": "{{name}}"}""");

        JsonElement lengths = await host.GetJsonAsync("/api/queues/length");

        JsonElement queue = Assert.Single(lengths.GetProperty("active_queues").EnumerateArray());
        Assert.Equal((name, 1, 0), (queue.GetProperty("name").GetString(), queue.GetProperty("messages").GetInt32(), queue.GetProperty("consumers").GetInt32()));
    }

    [Fact]
    public async Task HealthcheckSaysOk()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        Assert.Equal((HttpStatusCode.OK, "OK"), await host.GetAsync("/healthcheck"));
    }

    [Fact]
    public async Task TaskResultIs503WithoutABackendThatKeepsResultsById()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        Assert.Equal((HttpStatusCode.ServiceUnavailable, string.Empty), await host.GetAsync("/api/task/result/t-ok"));
    }

    [Fact]
    public async Task TheApiLivesUnderThePrefixWhenMountedInAnApp()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(prefix: "/tasks");
        host.Event(CeleryEvents.Received("t1", "n", "w@a", T));

        Assert.Equal(["t1"], (await host.GetJsonAsync("/tasks/api/tasks")).EnumerateObject().Select(p => p.Name));
        Assert.Equal((HttpStatusCode.OK, "OK"), await host.GetAsync("/tasks/healthcheck"));
        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync("/api/tasks")).Status);
    }

    /// <summary>Four tasks: one succeeded, one failed, one running on a .NET worker, one only sent.</summary>
    private static async Task<MonitorTestHost> FeedAsync()
    {
        MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.Sent("t-ok", "mon.add", T));
        host.Event(CeleryEvents.Received("t-ok", "mon.add", "py56@lab", T + 1));
        host.Event(CeleryEvents.Started("t-ok", "py56@lab", T + 2));
        host.Event(CeleryEvents.Succeeded("t-ok", "py56@lab", T + 3));
        host.Event($"[{CeleryEvents.Received("t-fail", "mon.fail", "py56@lab", T + 4, "('boom <b>',)")},{CeleryEvents.Started("t-fail", "py56@lab", T + 5)},{CeleryEvents.Failed("t-fail", "py56@lab", T + 6)}]");
        host.Event(CeleryEvents.Received("t-run", "mon.sleep", "dotnet@lab", T + 7, "(40,)", "{'user': 'Alice', 'n': 2}"));
        host.Event(CeleryEvents.Started("t-run", "dotnet@lab", T + 8));
        host.Event(CeleryEvents.Sent("t-sent", "mon.add", T + 9));
        return host;
    }
}
