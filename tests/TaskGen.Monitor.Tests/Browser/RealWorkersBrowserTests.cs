using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using TaskGen.Integration.Tests;
using TaskGen.Interop.Tests;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Worker;

namespace TaskGen.Monitor.Tests.Chromium;

/// <summary>
/// The monitor as a person meets it: mounted in an app on the private RabbitMQ, watching a Python Celery 5.6 worker
/// and a TaskGen worker that run real tasks (a success, a failure, a retry, a group, a chord, an argument that is a
/// script), read from the pages in Chromium; the task list takes a new task without a reload.
/// </summary>
[Trait("Category", "Browser")]
public sealed class RealWorkersBrowserTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    private const string Script = "<script>alert(1)</script>";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThePagesShowRealWorkersTheirTasksAndTheChordAndTakeNewTasksLive()
    {
        await using LoopbackServer monitor = await LoopbackServer.StartAsync(app => app.MapTaskGenMonitor("/monitor"), builder =>
        {
            builder.Services.AddTaskGen(o => o.BrokerUrl = Broker.Url);
            builder.Services.AddTaskGenMonitor(o => o.InspectInterval = TimeSpan.FromSeconds(2));
        });
        string pythonNode = PythonCeleryWorker.UniqueNodeName("py56");
        await using PythonCeleryWorker python = await PythonCeleryWorker.StartAsync(Python.Celery56, Broker.Url, "monitor-" + Guid.NewGuid().ToString("N")[..8], pythonNode, redis.Url);
        string dotnetNode = PythonCeleryWorker.UniqueNodeName("dotnet");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc", dotnetNode, 2, "-E");

        AsyncResult<double> area = App.Send(CeleryApp.Tasks.Remote.Geometry.RectArea.Signature(6, 7));
        Assert.Equal(42, await area.GetAsync(Guard));
        JsonElement mix = await python.SendMixAsync();
        string hostile = await python.SendAsync("mon.fail", JsonSerializer.Serialize(new[] { Script }));

        using var browser = new ChromiumBrowser();
        IWebDriver driver = browser.Driver;
        string root = monitor.BaseAddress.ToString().TrimEnd('/') + "/monitor";

        // Workers: both online, the TaskGen one and the Celery one.
        driver.Navigate().GoToUrl(root + "/workers");
        foreach (string node in new[] { pythonNode, dotnetNode })
        {
            browser.WaitFor(() => Reload(driver).FindElements(By.CssSelector($"tr[data-worker='{node}'] .online")).Count == 1, s_deadline, $"{node} online on the workers page");
        }

        // Tasks: the states of the mix and the TaskGen call, and the script argument as text.
        driver.Navigate().GoToUrl(root + "/tasks?limit=100");
        browser.WaitFor(() => Row(Reload(driver), hostile) is { } row && row.Text.Contains("FAILURE", StringComparison.Ordinal), s_deadline, "the hostile task's failure");
        Assert.Contains("SUCCESS", Row(driver, area.Id)!.Text, StringComparison.Ordinal);
        Assert.Contains("SUCCESS", Row(driver, mix.GetProperty("add").GetString()!)!.Text, StringComparison.Ordinal);
        Assert.Contains("FAILURE", Row(driver, mix.GetProperty("fail").GetString()!)!.Text, StringComparison.Ordinal);
        Assert.Contains(Script, driver.FindElement(By.TagName("body")).Text, StringComparison.Ordinal);
        Assert.Empty(driver.FindElements(By.CssSelector("#tasks script")));
        Assert.False(browser.AlertOpen(), "an alert opened: a script in an argument ran");

        // The retried task's page shows its retry in the timeline.
        driver.Navigate().GoToUrl(root + "/task/" + mix.GetProperty("retry").GetString());
        Assert.Contains("task-retried", driver.FindElement(By.TagName("body")).Text, StringComparison.Ordinal);

        // A TaskGen chord, whose task-sent events carry the group: the body's page draws the header's members, boxed
        // as a group, and the body.
        await using TaskApp canvasApp = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Options.ResultBackend = redis.Url;
            b.Options.TaskSendSentEvent = true;
            b.AddRedisResults();
            b.AddTaskGenIntegrationWorkerTasks();
        });
        await canvasApp.Transport.PurgeAsync("canvas", CancellationToken.None);
        await using TaskWorker canvasWorker = canvasApp.CreateWorker(new WorkerOptions { Queues = ["canvas"], Concurrency = 2, NodeName = PythonCeleryWorker.UniqueNodeName("canvas"), SendTaskEvents = true });
        await canvasWorker.StartAsync();
        GroupResult<int> members = await canvasApp.SendAsync(TaskGroup.Of(CanvasJobs.Square.Signature(1), CanvasJobs.Square.Signature(2), CanvasJobs.Square.Signature(3)));
        AsyncResult<int> chord = await canvasApp.SendAsync(TaskChord.Of(TaskGroup.Of(CanvasJobs.Square.Signature(1), CanvasJobs.Square.Signature(2), CanvasJobs.Square.Signature(3)), CanvasJobs.Total.Partial()));
        Assert.Equal(14, await chord.GetAsync(Guard));
        await members.GetAsync(Guard);
        driver.Navigate().GoToUrl(root + "/task/" + chord.Id);
        browser.WaitFor(() => Reload(driver).FindElements(By.CssSelector("svg#canvas a.node")).Count >= 4, s_deadline, "the chord's body and its three parts in the graph");
        string[] nodes = [.. driver.FindElements(By.CssSelector("svg#canvas a.node")).Select(n => n.GetAttribute("data-task")!)];
        Assert.Contains(chord.Id, nodes);
        Assert.Single(driver.FindElements(By.CssSelector("svg#canvas g.group")));
        Assert.All(driver.FindElements(By.CssSelector("svg#canvas a.node")), n => Assert.Equal("SUCCESS", n.GetAttribute("data-state")));

        // Live: with the list open, a new task shows up without a reload (the marker would not survive one).
        driver.Navigate().GoToUrl(root + "/tasks");
        browser.WaitFor(() => driver.FindElement(By.Id("live")).GetAttribute("class")!.Contains("on", StringComparison.Ordinal), s_deadline, "the live stream to open");
        browser.Script("window.__marker = 42;");
        string late = await python.SendAsync("mon.add", "[20, 22]");
        browser.WaitFor(() => Row(driver, late) is { } row && row.Text.Contains("SUCCESS", StringComparison.Ordinal), s_deadline, "the new task's row, SUCCESS, without a reload");
        Assert.Equal(42L, browser.Script("return window.__marker;"));
        Assert.False(browser.AlertOpen());
    }

    private static IWebDriver Reload(IWebDriver driver)
    {
        driver.Navigate().Refresh();
        return driver;
    }

    private static IWebElement? Row(IWebDriver driver, string taskId) =>
        driver.FindElements(By.CssSelector($"#tasks tr[data-task='{taskId}']")).FirstOrDefault();
}
