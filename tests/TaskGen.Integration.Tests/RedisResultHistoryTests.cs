using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Redis;
using TaskGen.Results;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The Redis backend's history, which a monitor reads at start: results a TaskGen worker stored and results stored as
/// Python Celery writes them come back newest first by <c>date_done</c>, bounded, across many SCAN pages.
/// </summary>
public sealed class RedisResultHistoryTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    // A database of its own, so that the other tests' results are not part of what is counted here.
    private const int Database = 9;

    [Fact]
    public async Task ResultsOfATaskGenWorkerAndOfCeleryComeBackNewestFirstAndBounded()
    {
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IDatabase db = admin.GetDatabase(Database);
        await admin.GetServer(admin.GetEndPoints()[0]).FlushDatabaseAsync(Database);

        // Many old results first, more than one SCAN page, so the walk has to go on past the first.
        const int Old = RedisResultHistory.PageSize * 2 + 17;
        KeyValuePair<RedisKey, RedisValue>[] old = Enumerable.Range(0, Old)
            .Select(i => new KeyValuePair<RedisKey, RedisValue>($"celery-task-meta-old-{i}", CeleryResult($"old-{i}", "SUCCESS", "1", new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i), extended: false)))
            .ToArray();
        await db.StringSetAsync(old);
        await db.StringSetAsync("celery-task-meta-junk", "not json");
        await db.StringSetAsync("celery-taskset-meta-g1", CeleryResult("g1", "SUCCESS", "[]", DateTime.UtcNow.AddDays(1), extended: false));

        // Then a TaskGen worker stores three results, one after another.
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "history@%h", 1, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = DatabaseUrl() });
        await using TaskApp app = CreateRedisApp();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            AsyncResult<int> sent = await app.SendAsync(Jobs.Add.Signature(i, 10));
            Assert.Equal(i + 10, await sent.GetAsync(Guard));
            ids.Add(sent.Id);
        }

        // Last, a failure as Python Celery stores it with result_extended, dated after them all.
        string python = Guid.NewGuid().ToString();
        DateTime pythonDone = DateTime.UtcNow.AddMinutes(1);
        await db.StringSetAsync("celery-task-meta-" + python, CeleryResult(python, "FAILURE", """{"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}""", pythonDone, extended: true));

        IResultHistory history = Assert.IsAssignableFrom<IResultHistory>(app.ResultHistory);

        List<StoredResult> newest = await ReadAsync(history, 3);
        Assert.Equal([python, ids[2], ids[1]], newest.Select(r => r.TaskId).ToArray());
        StoredResult failure = newest[0];
        Assert.Equal(("FAILURE", "py.tasks.fail", "[1, 2]", """{"flag": true}""", "celery@py", 2, "py"), (failure.State, failure.Name, failure.Args, failure.Kwargs, failure.Worker, failure.Retries, failure.Queue));
        Assert.Contains("\"exc_type\": \"ValueError\"", failure.Result, StringComparison.Ordinal);
        Assert.Equal("Traceback (most recent call last):\nValueError: boom", failure.Traceback);
        Assert.Equal(new DateTimeOffset(pythonDone).ToUnixTimeMilliseconds(), failure.DateDone!.Value.ToUnixTimeMilliseconds());

        StoredResult stored = newest[1];
        Assert.Equal(("SUCCESS", "12"), (stored.State, stored.Result));
        Assert.Null(stored.Traceback);
        Assert.InRange(stored.DateDone!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddSeconds(5));

        // All of them: every readable celery-task-meta key once, newest first; the junk value and other prefixes are not results.
        List<StoredResult> all = await ReadAsync(history, 10_000);
        Assert.Equal(Old + 4, all.Count);
        Assert.Equal(all.Count, all.Select(r => r.TaskId).Distinct().Count());
        Assert.Equal(all.OrderByDescending(r => r.DateDone).Select(r => r.TaskId), all.Select(r => r.TaskId));
        Assert.DoesNotContain(all, r => r.TaskId is "junk" or "g1");
        Assert.Equal("old-0", all[^1].TaskId);

        Assert.Empty(await ReadAsync(history, 0));
    }

    [Fact]
    public async Task ALongResultIsCutSoThatHistoryStaysBounded()
    {
        await using ConnectionMultiplexer admin = await ConnectAsync();
        IDatabase db = admin.GetDatabase(Database);
        await admin.GetServer(admin.GetEndPoints()[0]).FlushDatabaseAsync(Database);
        string id = Guid.NewGuid().ToString();
        string big = "\"" + new string('x', RedisResultHistory.MaxFieldChars * 2) + "\"";
        await db.StringSetAsync("celery-task-meta-" + id, CeleryResult(id, "SUCCESS", big, DateTime.UtcNow, extended: false));
        await using TaskApp app = CreateRedisApp();

        // As long as the reader asks for (the monitor's MaxFieldLength), and never longer than the backend's ceiling.
        StoredResult stored = Assert.Single(await ReadAsync(app.ResultHistory!, 5, 8_192));
        Assert.Equal(8_192, stored.Result!.Length);
        Assert.EndsWith(RedisResultHistory.Truncated, stored.Result, StringComparison.Ordinal);
        Assert.Equal(RedisResultHistory.MaxFieldChars, Assert.Single(await ReadAsync(app.ResultHistory!, 5, int.MaxValue)).Result!.Length);
    }

    private static async Task<List<StoredResult>> ReadAsync(IResultHistory history, int max, int maxFieldLength = RedisResultHistory.MaxFieldChars)
    {
        var read = new List<StoredResult>();
        await foreach (StoredResult result in history.ReadRecentAsync(max, maxFieldLength, CancellationToken.None))
        {
            read.Add(result);
        }

        return read;
    }

    /// <summary>A value as Celery 5's Redis backend stores it: naive UTC isoformat for date_done, result_extended fields when asked.</summary>
    private static string CeleryResult(string id, string status, string resultJson, DateTime done, bool extended)
    {
        string date = done.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        string traceback = status == "FAILURE" ? "\"Traceback (most recent call last):\\nValueError: boom\"" : "null";
        string more = extended
            ? """, "name": "py.tasks.fail", "args": [1, 2], "kwargs": {"flag": true}, "worker": "celery@py", "retries": 2, "queue": "py" """
            : string.Empty;
        return $$"""{"status": "{{status}}", "result": {{resultJson}}, "traceback": {{traceback}}, "children": [], "date_done": "{{date}}", "task_id": "{{id}}"{{more}}}""";
    }

    private string DatabaseUrl() => redis.Url[..redis.Url.LastIndexOf('/')] + "/" + Database.ToString(CultureInfo.InvariantCulture);

    private TaskApp CreateRedisApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = DatabaseUrl();
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
    });

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        RedisUrl url = RedisUrl.Parse(redis.Url);
        return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, AllowAdmin = true });
    }
}
