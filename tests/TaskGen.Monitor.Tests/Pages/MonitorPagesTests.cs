using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using TaskGen.Monitor.Pages;

namespace TaskGen.Monitor.Tests.Pages;

/// <summary>
/// The monitor's pages over an app on a <c>memory://</c> broker, fed Celery-shaped events: each page shows what the
/// events said, everything an event carries is rendered as text, and every page carries the security headers.
/// </summary>
public sealed partial class MonitorPagesTests : IAsyncLifetime
{
    private const string Script = "<script>alert(1)</script>";
    private MonitorTestApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = await MonitorTestApp.StartAsync();
        _client = _app.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task TheWorkersPageShowsEachWorkerWithStatusPoolQueuesAndSoftware()
    {
        _app.Ingest(CeleryEvents.Worker("worker-online", "celery@py", active: 1, processed: 17));
        _app.Ingest(CeleryEvents.Worker("worker-heartbeat", "gen@net", swIdent: "TaskGen", swVer: "1.4.0", processed: 3));
        _app.Ingest(CeleryEvents.Worker("worker-online", "gone@py"));
        _app.Ingest(CeleryEvents.Worker("worker-offline", "gone@py"));
        SetInspect("celery@py", "stats", """{"pool":{"implementation":"celery.concurrency.prefork:TaskPool","max-concurrency":4},"pid":4242}""");
        SetInspect("celery@py", "active_queues", """[{"name":"celery","exchange":{"name":"celery","type":"direct"}},{"name":"mail"}]""");

        string page = await _app.GetPageAsync(_client, "/workers");

        string py = RowOf(page, "data-worker", "celery@py");
        Assert.Contains(">online<", py, StringComparison.Ordinal);
        Assert.Contains(">prefork<", py, StringComparison.Ordinal);
        Assert.Contains(">4<", py, StringComparison.Ordinal);
        Assert.Contains(">celery, mail<", py, StringComparison.Ordinal);
        Assert.Contains(">Celery 5.6.0<", py, StringComparison.Ordinal);
        Assert.Contains(">17<", py, StringComparison.Ordinal);
        Assert.Contains(">TaskGen 1.4.0<", RowOf(page, "data-worker", "gen@net"), StringComparison.Ordinal);
        Assert.Contains(">offline<", RowOf(page, "data-worker", "gone@py"), StringComparison.Ordinal);
        Assert.Contains("id=\"workers-online\">2<", page, StringComparison.Ordinal);
        Assert.Contains("id=\"throughput\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"runtime\"", page, StringComparison.Ordinal);

        // The front page is the same dashboard.
        Assert.Contains("data-worker=\"celery@py\"", await _app.GetPageAsync(_client, "/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkersPageShowsItsStatsQueuesRegisteredTasksAndWhatItHolds()
    {
        _app.Ingest(CeleryEvents.Worker("worker-online", "celery@py"));
        SetInspect("celery@py", "stats", """{"pool":{"implementation":"celery.concurrency.threads:TaskPool","max-concurrency":8},"broker":{"hostname":"127.0.0.1"}}""");
        SetInspect("celery@py", "active_queues", """[{"name":"reports"}]""");
        SetInspect("celery@py", "registered", """["reports.build","reports.mail"]""");
        SetInspect("celery@py", "active", """[{"id":"a-1","name":"reports.build","args":[1,2],"hostname":"celery@py"}]""");
        SetInspect("celery@py", "reserved", "[]");
        SetInspect("celery@py", "scheduled", """[{"eta":"2030-01-01T00:00:00+00:00","priority":6,"request":{"id":"s-1","name":"reports.mail","args":["<b>x</b>"]}}]""");

        string page = await _app.GetPageAsync(_client, "/worker/celery%40py");

        Assert.Contains("<h1>celery@py <span class=\"online\">online</span></h1>", page, StringComparison.Ordinal);
        Assert.Contains(">threads<", page, StringComparison.Ordinal);
        Assert.Contains("<li>reports</li>", page, StringComparison.Ordinal);
        Assert.Contains("<li>reports.build</li><li>reports.mail</li>", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/monitor/task/a-1\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/monitor/task/s-1\"", page, StringComparison.Ordinal);
        Assert.Contains("2030-01-01T00:00:00+00:00", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", page, StringComparison.Ordinal);
        Assert.Contains(">broker.hostname<", page, StringComparison.Ordinal);

        HttpResponseMessage missing = await _client.GetAsync("/monitor/worker/" + Uri.EscapeDataString("<i>nobody</i>"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("&lt;i&gt;nobody&lt;/i&gt;", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectRepliesOfTheWrongShapeReadAsAbsentAndBreakNoPage()
    {
        _app.Ingest(CeleryEvents.Worker("worker-online", "odd@py"));
        SetInspect("odd@py", "stats", """{"pool":"prefork","total":[1,2],"x":{"y":{"z":"<i>deep</i>"}}}""");
        SetInspect("odd@py", "active_queues", """{"name":"not-a-list"}""");
        SetInspect("odd@py", "registered", """[1,{"a":2},"real.task",null]""");
        SetInspect("odd@py", "active", """["text",5,{"id":7,"name":["x"],"args":{"a":"<b>1</b>"}}]""");
        SetInspect("odd@py", "scheduled", "42");

        string workers = await _app.GetPageAsync(_client, "/workers");
        string row = RowOf(workers, "data-worker", "odd@py");
        Assert.Contains("<td></td><td class=\"num\"></td><td></td>", row, StringComparison.Ordinal);

        string page = await _app.GetPageAsync(_client, "/worker/odd%40py");
        Assert.Contains("<li>real.task</li>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;i&gt;deep&lt;/i&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;1&lt;/b&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>deep", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTaskListFiltersByStateNameWorkerTimeAndTextAndPages()
    {
        double start = MonitorTestApp.Now - 1000;
        for (int i = 0; i < 120; i++)
        {
            string name = i % 3 == 0 ? "calc.div" : "calc.add";
            string worker = i % 2 == 0 ? "a@host" : "b@host";
            _app.Ingest(CeleryEvents.Task("task-received", $"t-{i:D3}", worker, name, start + i).With("args", $"({i}, 2)").With("kwargs", "{}"));
            _app.Ingest(i % 10 == 0
                ? CeleryEvents.Task("task-failed", $"t-{i:D3}", worker, at: start + i + 0.5).With("exception", "ZeroDivisionError('x')")
                : CeleryEvents.Task("task-succeeded", $"t-{i:D3}", worker, at: start + i + 0.5).With("result", (i * 2).ToString(System.Globalization.CultureInfo.InvariantCulture)).With("runtime", 0.01));
        }

        string first = await _app.GetPageAsync(_client, "/tasks");
        Assert.Contains("<span id=\"total\">120</span> matching, <span id=\"shown\">1–50</span> shown", first, StringComparison.Ordinal);
        Assert.Equal(50, TaskIds(first).Count);
        Assert.Equal("t-119", TaskIds(first)[0]);
        Assert.Contains("data-live=\"1\"", first, StringComparison.Ordinal);
        Assert.Contains("older →", first, StringComparison.Ordinal);

        string third = await _app.GetPageAsync(_client, "/tasks?offset=100");
        Assert.Equal(Enumerable.Range(0, 20).Reverse().Select(i => $"t-{i:D3}"), TaskIds(third));
        Assert.Contains("data-live=\"0\"", third, StringComparison.Ordinal);

        Assert.Equal(["t-110", "t-100", "t-090", "t-080", "t-070", "t-060", "t-050", "t-040", "t-030", "t-020", "t-010", "t-000"], TaskIds(await _app.GetPageAsync(_client, "/tasks?state=FAILURE")));
        Assert.All(TaskIds(await _app.GetPageAsync(_client, "/tasks?name=calc.div&limit=500")), id => Assert.Equal(0, int.Parse(id[2..], System.Globalization.CultureInfo.InvariantCulture) % 3));
        Assert.Equal(40, TaskIds(await _app.GetPageAsync(_client, "/tasks?name=calc.div&limit=500")).Count);
        Assert.Equal(60, TaskIds(await _app.GetPageAsync(_client, "/tasks?worker=b%40host&limit=500")).Count);
        Assert.Equal(["t-007"], TaskIds(await _app.GetPageAsync(_client, "/tasks?q=(7,%202)")));

        string from = DateTimeOffset.FromUnixTimeMilliseconds((long)((start + 10) * 1000)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        string to = DateTimeOffset.FromUnixTimeMilliseconds((long)((start + 14) * 1000)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["t-014", "t-013", "t-012", "t-011", "t-010"], TaskIds(await _app.GetPageAsync(_client, $"/tasks?received_from={from}&received_to={to}")));
    }

    [Fact]
    public async Task AScriptInAnArgumentIsRenderedAsTextOnEveryPage()
    {
        CeleryEvents.Run(_app, "xss-1", "<img src=x onerror=alert(1)>", Script, result: "'<svg onload=alert(2)>'", hostname: "<b>evil</b>@host");
        CeleryEvents.Run(_app, "xss-2", "calc.fail", Script, exception: "ValueError('" + Script + "')");

        foreach (string path in new[] { "/tasks", "/task/xss-1", "/task/xss-2", "/workers", "/worker/" + Uri.EscapeDataString("<b>evil</b>@host"), "/tasks?q=" + Uri.EscapeDataString(Script) })
        {
            string page = await _app.GetPageAsync(_client, path);
            Assert.DoesNotContain("<script>alert", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img src=x", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<svg onload", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<b>evil", page, StringComparison.OrdinalIgnoreCase);

            // The only script element is the monitor's own file.
            Assert.All(ScriptTag().Matches(page), m => Assert.Matches("^<script defer src=\"/monitor/assets/monitor\\.js\">$", m.Value));
        }

        string task = await _app.GetPageAsync(_client, "/task/xss-2");
        Assert.Contains("<pre id=\"args\">&lt;script&gt;alert(1)&lt;/script&gt;</pre>", task, StringComparison.Ordinal);
        Assert.Contains("ValueError(&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;)</pre>", task, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", await _app.GetPageAsync(_client, "/tasks"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATaskPageShowsEveryFieldTheTracebackTimelineAndRetries()
    {
        double now = MonitorTestApp.Now;
        _app.Ingest(CeleryEvents.Task("task-sent", "r-1", "client@web", "mail.send", now - 5).With("args", "('ann@example.com',)").With("kwargs", "{'subject': 'Hi'}").With("queue", "mail").With("retries", 0));
        _app.Ingest(CeleryEvents.Task("task-received", "r-1", "celery@py", "mail.send", now - 4).With("args", "('ann@example.com',)").With("kwargs", "{'subject': 'Hi'}").With("retries", 0));
        _app.Ingest(CeleryEvents.Task("task-started", "r-1", "celery@py", at: now - 3.5));
        _app.Ingest(CeleryEvents.Task("task-retried", "r-1", "celery@py", at: now - 3).With("exception", "SMTPError('busy')").With("traceback", "Traceback ... SMTPError: busy"));
        _app.Ingest(CeleryEvents.Task("task-received", "r-1", "celery@py", "mail.send", now - 2).With("retries", 1));
        _app.Ingest(CeleryEvents.Task("task-started", "r-1", "celery@py", at: now - 1.5));
        _app.Ingest(CeleryEvents.Task("task-failed", "r-1", "celery@py", at: now - 1).With("exception", "SMTPError('down')").With("traceback", "Traceback (most recent call last):\n  File \"mail.py\", line 9, in send\nSMTPError: down"));

        string page = await _app.GetPageAsync(_client, "/task/r-1");

        Assert.Contains("<span class=\"state s-failure\">FAILURE</span>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Retries</th><td>1</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Queue</th><td>mail</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Sent by</th><td>client@web</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<pre id=\"kwargs\">{&#x27;subject&#x27;: &#x27;Hi&#x27;}</pre>", page, StringComparison.Ordinal);
        Assert.Equal("Traceback (most recent call last):\n  File \"mail.py\", line 9, in send\nSMTPError: down", Pre(page, "traceback"));
        Assert.DoesNotContain("\"mail.py\"", page, StringComparison.Ordinal);
        string timeline = page[page.IndexOf("id=\"timeline\"", StringComparison.Ordinal)..];
        Assert.Equal(
            ["task-sent", "task-received", "task-started", "task-retried", "task-received", "task-started", "task-failed"],
            TimelineEvent().Matches(timeline).Select(m => m.Groups[1].Value));
        Assert.Contains("SMTPError(&#x27;busy&#x27;)", timeline, StringComparison.Ordinal);
        Assert.Contains("id=\"canvas-none\"", page, StringComparison.Ordinal);

        HttpResponseMessage missing = await _client.GetAsync("/monitor/task/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AChordIsDrawnWithItsHeaderGroupedAndItsBodyAfterEveryMember()
    {
        // chain(prepare.s() | chord([part.s(i) for i in 1..3], combine.s())): the header members share the group and
        // have prepare as their parent; combine is sent by the member that finished last.
        CeleryEvents.Run(_app, "root", "prepare", "()");
        for (int i = 0; i < 3; i++)
        {
            CeleryEvents.Run(_app, $"part-{i}", "part", $"({i},)", rootId: "root", parentId: "root", group: "g-1", groupIndex: i);
        }

        CeleryEvents.Run(_app, "body", "combine", "([1, 2, 3],)", rootId: "root", parentId: "part-1");
        CeleryEvents.Run(_app, "unrelated", "other", "()");

        string page = await _app.GetPageAsync(_client, "/task/part-0");

        string svg = page[page.IndexOf("<svg id=\"canvas\"", StringComparison.Ordinal)..page.IndexOf("</svg></div>", StringComparison.Ordinal)];
        Assert.Equal(["root", "part-0", "part-1", "part-2", "body"], NodeIds(svg));
        Assert.Equal(
            ["root>part-0", "root>part-1", "root>part-2", "part-0>body*", "part-1>body*", "part-2>body*"],
            EdgeOf().Matches(svg).Select(m => m.Groups[2].Value + ">" + m.Groups[3].Value + (m.Groups[1].Value.Contains("chord", StringComparison.Ordinal) ? "*" : string.Empty)).Order(StringComparer.Ordinal).ToArray()
                .OrderBy(e => e.EndsWith('*')).ThenBy(e => e, StringComparer.Ordinal));
        Assert.Contains("data-group=\"g-1\"", svg, StringComparison.Ordinal);
        Assert.Contains("chord header · group g-1", svg, StringComparison.Ordinal);
        Assert.Contains("class=\"node s-success current\" data-task=\"part-0\"", svg, StringComparison.Ordinal);
        Assert.Contains("chord body", svg, StringComparison.Ordinal);
        Assert.Contains("href=\"/monitor/task/body\"", svg, StringComparison.Ordinal);

        // The same graph from the body's page and the root's page.
        foreach (string from in new[] { "body", "root" })
        {
            string other = await _app.GetPageAsync(_client, "/task/" + from);
            Assert.Equal(["body", "part-0", "part-1", "part-2", "root"], NodeIds(other).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task APlainChainAndAGroupWithoutChordAreDrawnWithTheirLinks()
    {
        CeleryEvents.Run(_app, "c-1", "step", "(1,)");
        CeleryEvents.Run(_app, "c-2", "step", "(2,)", rootId: "c-1", parentId: "c-1");
        CeleryEvents.Run(_app, "c-3", "step", "(3,)", rootId: "c-1", parentId: "c-2");
        CeleryEvents.Run(_app, "m-1", "fan", "(1,)", rootId: "m-1", group: "g-2", groupIndex: 0);
        CeleryEvents.Run(_app, "m-2", "fan", "(2,)", rootId: "m-2", group: "g-2", groupIndex: 1);

        string chain = await _app.GetPageAsync(_client, "/task/c-3");
        Assert.Equal(["c-1", "c-2", "c-3"], NodeIds(chain));
        Assert.Equal(["c-1>c-2", "c-2>c-3"], EdgeOf().Matches(chain).Select(m => m.Groups[2].Value + ">" + m.Groups[3].Value));

        string group = await _app.GetPageAsync(_client, "/task/m-1");
        Assert.Equal(["m-1", "m-2"], NodeIds(group));
        Assert.Contains("data-group=\"g-2\"", group, StringComparison.Ordinal);
        Assert.DoesNotContain("chord header", group, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPageCarriesAStrictContentSecurityPolicyAndLoadsScriptOnlyFromItsOwnFile()
    {
        CeleryEvents.Run(_app, "t-1", "calc.add", "(1, 2)");
        foreach (string path in new[] { "/", "/workers", "/tasks", "/task/t-1", "/queues", "/dead-letters", "/broker" })
        {
            HttpResponseMessage response = await _client.GetAsync("/monitor" + path);
            Assert.True(response.IsSuccessStatusCode, path);
            string csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            string page = await response.Content.ReadAsStringAsync();
            Assert.All(ScriptTag().Matches(page), m => Assert.Contains(" src=", m.Value, StringComparison.Ordinal));
            Assert.DoesNotContain(" style=", page, StringComparison.Ordinal);
            Assert.DoesNotMatch("<[^>]*\\son[a-z]+\\s*=", page);
            Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheAssetsComeFromTheAssemblyWithCacheHeadersAndAnETag()
    {
        HttpResponseMessage css = await _client.GetAsync("/monitor/assets/monitor.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.Contains("max-age=", css.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        HttpResponseMessage js = await _client.GetAsync("/monitor/assets/monitor.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        Assert.Contains("EventSource", await js.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/monitor/assets/monitor.js");
        again.Headers.IfNoneMatch.Add(js.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/monitor/assets/nothing.js")).StatusCode);
    }

    [Fact]
    public async Task TheLiveStreamSendsASummaryAtOnceAndAnotherAfterAnIngest()
    {
        _app.Ingest(CeleryEvents.Worker("worker-online", "celery@py"));
        using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/monitor/events/stream");
        using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new System.IO.StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));

        JsonElement first = await NextSummaryAsync(reader, deadline.Token);
        Assert.Equal(1, first.GetProperty("workersOnline").GetInt32());
        Assert.Equal(0, first.GetProperty("states").GetProperty("SUCCESS").GetInt32());

        CeleryEvents.Run(_app, "live-1", "calc.add", Script);
        JsonElement next = await NextSummaryAsync(reader, deadline.Token);
        while (next.GetProperty("states").GetProperty("SUCCESS").GetInt32() == 0)
        {
            next = await NextSummaryAsync(reader, deadline.Token);
        }

        JsonElement task = next.GetProperty("tasks")[0];
        Assert.Equal(("live-1", "SUCCESS", Script), (task.GetProperty("id").GetString(), task.GetProperty("state").GetString(), task.GetProperty("args").GetString()));
        Assert.Equal(1, next.GetProperty("succeeded").EnumerateArray().Sum(v => v.GetInt32()));
    }

    [Fact]
    public async Task AStreamForATaskPageFollowsThatTasksState()
    {
        _app.Ingest(CeleryEvents.Task("task-received", "followed", name: "calc.add"));
        for (int i = 0; i < 20; i++)
        {
            CeleryEvents.Run(_app, $"newer-{i}", "calc.add", "()");
        }

        using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(20));
        using HttpResponseMessage response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/monitor/events/stream?task=followed"), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        using var reader = new System.IO.StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));

        Assert.Equal("RECEIVED", (await NextEventAsync(reader, "task", deadline.Token)).GetProperty("state").GetString());
        _app.Ingest(CeleryEvents.Task("task-started", "followed"));
        JsonElement started = await NextEventAsync(reader, "task", deadline.Token);
        Assert.Equal(("followed", "STARTED", "s-started"), (started.GetProperty("id").GetString(), started.GetProperty("state").GetString(), started.GetProperty("stateClass").GetString()));
    }

    [Fact]
    public async Task TheQueuesPageListsEachKnownQueueWithItsMessagesAndConsumers()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync(configure: o => o.Queues.Add("reports"));
        using HttpClient client = app.CreateClient();
        await DeadLetters.DeclareAsync(app.TaskApp, "reports");
        await DeadLetters.PublishAsync(app.TaskApp, "reports", "q-1");
        await DeadLetters.PublishAsync(app.TaskApp, "reports", "q-2");

        string page = await app.GetPageAsync(client, "/queues");

        Assert.Contains("<tr data-queue=\"reports\"><td>reports</td><td class=\"num\">2</td><td class=\"num\">0</td></tr>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLettersAreListedShownAndReplayedBehindTheAntiforgeryToken()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync();
        using HttpClient client = app.CreateClient();
        await DeadLetters.DeclareAsync(app.TaskApp, "work");
        await DeadLetters.PublishDeadAsync(app.TaskApp, "dead-1", "tasks.add", "work", "rejected");

        string list = await app.GetPageAsync(client, "/dead-letters");
        Assert.Contains("href=\"/monitor/dead-letters/dead-1\"", list, StringComparison.Ordinal);
        Assert.Contains("<td>tasks.add</td>", list, StringComparison.Ordinal);
        Assert.Contains("<td>work</td><td>rejected</td>", list, StringComparison.Ordinal);

        HttpResponseMessage shown = await client.GetAsync("/monitor/dead-letters/dead-1");
        string show = await shown.Content.ReadAsStringAsync();
        Assert.Contains("argsrepr: (2, 3)", show, StringComparison.Ordinal);
        Assert.Contains("1. queue=work reason=rejected", show, StringComparison.Ordinal);
        Assert.Equal(1u, (await app.TaskApp.Transport.InspectQueueAsync(app.TaskApp.Options.DeadLetterQueue, default))!.Value.Messages);

        // Without the token nothing moves.
        HttpResponseMessage forged = await client.PostAsync("/monitor/dead-letters/dead-1/replay", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(0u, (await app.TaskApp.Transport.InspectQueueAsync("work", default))!.Value.Messages);

        Match token = Regex.Match(show, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(token.Success, show);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/monitor/dead-letters/dead-1/replay")
        {
            Content = new FormUrlEncodedContent([new(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value))]),
        };
        post.Headers.Add("Cookie", shown.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        HttpResponseMessage replayed = await client.SendAsync(post);

        string result = await replayed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("Replayed tasks.add[dead-1] to work.", result, StringComparison.Ordinal);
        Assert.Equal(1u, (await app.TaskApp.Transport.InspectQueueAsync("work", default))!.Value.Messages);
        Assert.Equal(0u, (await app.TaskApp.Transport.InspectQueueAsync(app.TaskApp.Options.DeadLetterQueue, default))!.Value.Messages);
    }

    [Fact]
    public async Task AReadOnlyMonitorOffersNoReplayAndRefusesOne()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync(configure: o => o.ReadOnly = true);
        using HttpClient client = app.CreateClient();
        await DeadLetters.DeclareAsync(app.TaskApp, "work");
        await DeadLetters.PublishDeadAsync(app.TaskApp, "dead-2", "tasks.add", "work", "rejected");

        string show = await app.GetPageAsync(client, "/dead-letters/dead-2");
        Assert.DoesNotContain("id=\"replay\"", show, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/monitor/dead-letters/dead-2/replay", new FormUrlEncodedContent([]))).StatusCode);
    }

    [Fact]
    public async Task DroppedEventsAndAFloodAreNoticedOnEveryPage()
    {
        _app.Store.Ingest("not json"u8.ToArray());
        string page = await _app.GetPageAsync(_client, "/tasks");
        Assert.Contains("<p class=\"notice\" id=\"dropped\">Events dropped: malformed 1.</p>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"sampling\"", page, StringComparison.Ordinal);

        await using MonitorTestApp flooded = await MonitorTestApp.StartAsync(configure: o => o.MaxEventsPerSecond = 1);
        using HttpClient client = flooded.CreateClient();
        for (int i = 0; i < 50 && flooded.Store.SamplingSince is null; i++)
        {
            flooded.Ingest(CeleryEvents.Task("task-received", $"f-{i}", name: "flood"));
        }

        Assert.NotNull(flooded.Store.SamplingSince);
        string notice = await flooded.GetPageAsync(client, "/workers");
        Assert.Contains("id=\"sampling\"", notice, StringComparison.Ordinal);
        Assert.Contains("the monitor samples them", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBrokerPageNamesTheBrokerAndNeverAPassword()
    {
        string page = await _app.GetPageAsync(_client, "/broker");
        Assert.Contains("<tr><th>Broker</th><td>memory://</td></tr>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtTheRootTheLinksHaveNoPrefix()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync(prefix: "/");
        using HttpClient client = app.CreateClient();
        CeleryEvents.Run(app, "t-1", "calc.add", "(1, 2)");

        string page = await app.GetPageAsync(client, "/tasks");

        Assert.Contains("href=\"/assets/monitor.css\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/task/t-1\"", page, StringComparison.Ordinal);
        Assert.Contains("data-base=\"\"", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/workers\"", page, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> NextEventAsync(System.IO.StreamReader reader, string type, System.Threading.CancellationToken cancellationToken)
    {
        string? current = null;
        while (true)
        {
            string? line = await reader.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("The stream ended.");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                current = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && current == type)
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }
    }

    private static Task<JsonElement> NextSummaryAsync(System.IO.StreamReader reader, System.Threading.CancellationToken cancellationToken) =>
        NextEventAsync(reader, "summary", cancellationToken);

    private static string Pre(string page, string id)
    {
        Match pre = Regex.Match(page, "<pre id=\"" + id + "\">([^<]*)</pre>");
        Assert.True(pre.Success, "no pre " + id);
        return WebUtility.HtmlDecode(pre.Groups[1].Value);
    }

    private void SetInspect(string hostname, string method, string json) => _app.Store.SetInspect(hostname, method, JsonDocument.Parse(json).RootElement);

    private static string RowOf(string page, string attribute, string value)
    {
        int start = page.IndexOf($"<tr {attribute}=\"{WebUtility.HtmlEncode(value)}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row {value}");
        return page[start..page.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static List<string> TaskIds(string page) => TaskRow().Matches(page).Select(m => m.Groups[1].Value).ToList();

    private static List<string> NodeIds(string page) => NodeOf().Matches(page).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex("<tr data-task=\"([^\"]+)\">")]
    private static partial Regex TaskRow();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();

    [GeneratedRegex("<tr><td>[^<]*</td><td>(task-[a-z]+)</td>")]
    private static partial Regex TimelineEvent();

    [GeneratedRegex("<a href=\"[^\"]+\" class=\"node [^\"]*\" data-task=\"([^\"]+)\"")]
    private static partial Regex NodeOf();

    [GeneratedRegex("<path class=\"(edge[^\"]*)\" data-from=\"([^\"]+)\" data-to=\"([^\"]+)\"")]
    private static partial Regex EdgeOf();
}
