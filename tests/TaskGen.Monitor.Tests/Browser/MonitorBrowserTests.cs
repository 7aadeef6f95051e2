using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenQA.Selenium;
using TaskGen.Monitor.Tests.Pages;

namespace TaskGen.Monitor.Tests.Chromium;

/// <summary>
/// The monitor in a real browser: Kestrel on a loopback port over <c>memory://</c>, fed a worker's and a client's
/// events, read from the DOM as a person would read the pages; the live view is watched changing without a reload.
/// With <c>TASKGEN_UPDATE_SCREENSHOTS=1</c> the pages are also saved to <c>docs/monitor/</c>.
/// </summary>
[Trait("Category", "Browser")]
public sealed class MonitorBrowserTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string ImageScript = "<img src=x onerror=\"window.__xss=1;alert(2)\">";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ThePagesShowWorkersStatesAndTheChordKeepScriptsInertAndUpdateLive()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync("/monitor", kestrel: true);
        Seed(app);
        using var browser = new ChromiumBrowser();
        IWebDriver driver = browser.Driver;
        string root = app.Address!.ToString().TrimEnd('/') + "/monitor";

        // Workers: both workers online, with their pool and software.
        driver.Navigate().GoToUrl(root + "/workers");
        IWebElement python = driver.FindElement(By.CssSelector("tr[data-worker='celery@py']"));
        Assert.Contains("online", python.Text, StringComparison.Ordinal);
        Assert.Contains("prefork", python.Text, StringComparison.Ordinal);
        Assert.Contains("Celery 5.6.0", python.Text, StringComparison.Ordinal);
        Assert.Contains("TaskGen 1.4.0", driver.FindElement(By.CssSelector("tr[data-worker='gen@net']")).Text, StringComparison.Ordinal);
        browser.WaitFor(() => driver.FindElement(By.Id("live")).GetAttribute("class")!.Contains("on", StringComparison.Ordinal), s_deadline, "the live stream to open");
        SaveScreenshot(browser, "workers.png");

        // A worker that comes online after the page loaded gets a row without a reload.
        browser.Script("window.__marker = 7;");
        app.Ingest(CeleryEvents.Worker("worker-online", "late@py", freq: 60));
        browser.WaitFor(() => driver.FindElements(By.CssSelector("tr[data-worker='late@py'] .online")).Count == 1, s_deadline, "the late worker's row");
        browser.WaitFor(() => browser.TextOf("#workers-online") == "3", s_deadline, "three workers online");
        Assert.Equal(7L, browser.Script("return window.__marker;"));

        // Tasks: every state shows, and the hostile arguments are text.
        driver.Navigate().GoToUrl(root + "/tasks");
        string states = (string)browser.Script("return Array.from(document.querySelectorAll('#tasks td.t-state')).map(e => e.textContent).join(' ');")!;
        foreach (string state in new[] { "SUCCESS", "FAILURE", "RETRY", "RECEIVED" })
        {
            Assert.Contains(state, states, StringComparison.Ordinal);
        }

        string text = driver.FindElement(By.TagName("body")).Text;
        Assert.Contains(Script, text, StringComparison.Ordinal);
        Assert.Contains(ImageScript, text, StringComparison.Ordinal);
        Assert.False(browser.AlertOpen(), "an alert opened: a script in an argument ran");
        Assert.Equal(true, browser.Script("return window.__xss === undefined;"));
        Assert.Empty(driver.FindElements(By.CssSelector("#tasks script, #tasks img")));

        // Live: a marker set now survives only if the page is not reloaded; the new task appears and a state changes.
        browser.WaitFor(() => driver.FindElement(By.Id("live")).GetAttribute("class")!.Contains("on", StringComparison.Ordinal), s_deadline, "the live stream to open");
        browser.Script("window.__marker = 42;");
        string? succeededBefore = browser.TextOf("[data-count='SUCCESS']");
        CeleryEvents.Run(app, "live-1", "reports.build", "('live',)");
        app.Ingest(CeleryEvents.Task("task-started", "waiting-1", "celery@py"));
        browser.WaitFor(() => driver.FindElements(By.CssSelector("#tasks tr[data-task='live-1']")).Count == 1, s_deadline, "the new task's row");
        browser.WaitFor(() => browser.TextOf("#tasks tr[data-task='waiting-1'] td.t-state") == "STARTED", s_deadline, "the waiting task to show STARTED");
        browser.WaitFor(() => browser.TextOf("[data-count='SUCCESS']") != succeededBefore, s_deadline, "the SUCCESS count to change");
        Assert.Equal(42L, browser.Script("return window.__marker;"));
        Assert.Equal("live-1", browser.Script("return document.querySelector('#tasks tbody tr').getAttribute('data-task');"));
        browser.WaitFor(() => browser.TextOf("#tasks tr[data-task='live-1'] td.t-state") == "SUCCESS", s_deadline, "the new task's state");
        Assert.False(browser.AlertOpen());
        SaveScreenshot(browser, "tasks.png");

        // The failed task: its traceback as text.
        driver.Navigate().GoToUrl(root + "/task/fail-1");
        Assert.Contains("Traceback (most recent call last):\n  File \"tasks.py\", line 3\nZeroDivisionError('division by zero", driver.FindElement(By.Id("traceback")).Text, StringComparison.Ordinal);
        Assert.Contains(Script, driver.FindElement(By.Id("exception")).Text, StringComparison.Ordinal);

        // A task's page follows its task's state.
        driver.Navigate().GoToUrl(root + "/task/waiting-1");
        Assert.Equal("STARTED", browser.TextOf("h1 [data-task-state] .state"));
        browser.WaitFor(() => driver.FindElement(By.Id("live")).GetAttribute("class")!.Contains("on", StringComparison.Ordinal), s_deadline, "the live stream to open");
        app.Ingest(CeleryEvents.Task("task-succeeded", "waiting-1", "celery@py").With("result", "'done'").With("runtime", 1.5));
        browser.WaitFor(() => browser.TextOf("h1 [data-task-state] .state") == "SUCCESS", s_deadline, "the task page's state to become SUCCESS");

        // The chord: every node of the workflow, the group boxed, the body after it.
        driver.Navigate().GoToUrl(root + "/task/part-1");
        var nodes = driver.FindElements(By.CssSelector("svg#canvas a.node")).Select(n => n.GetAttribute("data-task")!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["body", "part-0", "part-1", "part-2", "prepare"], nodes);
        Assert.Equal(3, driver.FindElements(By.CssSelector("svg#canvas path.edge.chord")).Count);
        Assert.Single(driver.FindElements(By.CssSelector("svg#canvas g.group")));
        Assert.Equal("FAILURE", driver.FindElement(By.CssSelector("svg#canvas a.node[data-task='part-2']")).GetAttribute("data-state"));
        browser.Script("document.getElementById('canvas').scrollIntoView({block: 'center'});");
        SaveScreenshot(browser, "task-canvas.png");

        // A node is a link to its task.
        driver.FindElement(By.CssSelector("svg#canvas a.node[data-task='body']")).Click();
        browser.WaitFor(() => driver.Url.EndsWith("/monitor/task/body", StringComparison.Ordinal), s_deadline, "the body's page");
        Assert.Contains("combine", driver.FindElement(By.TagName("h1")).Text, StringComparison.Ordinal);
        Assert.False(browser.AlertOpen());
        Assert.Equal(true, browser.Script("return window.__xss === undefined;"));
    }

    /// <summary>What a Celery worker, a TaskGen worker and a client would have sent: workers online, a success, a retry, a failure, a chord and hostile arguments.</summary>
    private static void Seed(MonitorTestApp app)
    {
        // A heartbeat period of a minute: the browser takes seconds to start, and the workers must stay online meanwhile.
        app.Ingest(CeleryEvents.Worker("worker-online", "celery@py", active: 1, processed: 12, freq: 60));
        app.Ingest(CeleryEvents.Worker("worker-online", "gen@net", swIdent: "TaskGen", swVer: "1.4.0", processed: 5, freq: 60));
        app.Store.SetInspect("celery@py", "stats", System.Text.Json.JsonDocument.Parse("""{"pool":{"implementation":"celery.concurrency.prefork:TaskPool","max-concurrency":4}}""").RootElement);
        app.Store.SetInspect("celery@py", "active_queues", System.Text.Json.JsonDocument.Parse("""[{"name":"celery"}]""").RootElement);

        CeleryEvents.Run(app, "ok-1", "calc.add", "(2, 2)", result: "4", hostname: "gen@net");
        CeleryEvents.Run(app, "fail-1", "calc.div", "(1, 0)", exception: "ZeroDivisionError('division by zero " + Script + "')");
        double now = MonitorTestApp.Now;
        app.Ingest(CeleryEvents.Task("task-received", "retry-1", "celery@py", "mail.send", now - 1).With("args", "('ann@example.com',)").With("kwargs", "{}"));
        app.Ingest(CeleryEvents.Task("task-started", "retry-1", "celery@py", at: now - 0.5));
        app.Ingest(CeleryEvents.Task("task-retried", "retry-1", "celery@py", at: now).With("exception", "SMTPError('busy')").With("traceback", "Traceback ...\nSMTPError: busy"));
        app.Ingest(CeleryEvents.Task("task-received", "waiting-1", "celery@py", "reports.slow", now).With("args", "()").With("kwargs", "{}"));
        CeleryEvents.Run(app, "xss-1", "calc.echo", Script, result: "'" + ImageScript + "'", hostname: "gen@net");
        CeleryEvents.Run(app, "xss-2", "calc.echo", ImageScript, hostname: "gen@net");

        // chain(prepare | chord([part(0), part(1), part(2)], combine)): part-2 fails after part-1 sent the body.
        CeleryEvents.Run(app, "prepare", "reports.prepare", "()", hostname: "gen@net");
        CeleryEvents.Run(app, "part-0", "reports.part", "(0,)", rootId: "prepare", parentId: "prepare", group: "g-1", groupIndex: 0);
        CeleryEvents.Run(app, "part-1", "reports.part", "(1,)", rootId: "prepare", parentId: "prepare", group: "g-1", groupIndex: 1, hostname: "gen@net");
        CeleryEvents.Run(app, "part-2", "reports.part", "(2,)", rootId: "prepare", parentId: "prepare", group: "g-1", groupIndex: 2, exception: "ValueError('bad part')");
        CeleryEvents.Run(app, "body", "reports.combine", "([0, 1],)", rootId: "prepare", parentId: "part-1", hostname: "gen@net");
    }

    private static void SaveScreenshot(ChromiumBrowser browser, string name)
    {
        if (Environment.GetEnvironmentVariable("TASKGEN_UPDATE_SCREENSHOTS") != "1")
        {
            return;
        }

        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "TaskGen.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        Assert.NotNull(directory);
        browser.Screenshot(Path.Combine(directory, "docs", "monitor", name));
    }
}
