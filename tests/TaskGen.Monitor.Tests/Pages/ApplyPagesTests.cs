using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace TaskGen.Monitor.Tests.Pages;

/// <summary>
/// The apply form: a task the app was compiled with gets a typed field per argument and is sent with the keyword
/// arguments the form builds; a mistake names its field and sends nothing; a task known only by name takes JSON.
/// </summary>
public sealed class ApplyPagesTests
{
    [Fact]
    public async Task ACompiledTaskGetsTypedFieldsAndIsSentWithTypedArguments()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync(tasks: b => b.AddTaskGenMonitorTestsTasks());
        using HttpClient client = app.CreateClient();

        string list = await app.GetPageAsync(client, "/apply");
        Assert.Contains("<tr data-task=\"shop.order\"><td><a href=\"/monitor/apply/shop.order\">shop.order</a></td>", list, StringComparison.Ordinal);
        Assert.Contains("int quantity, decimal price, string sku, bool gift, List&lt;string&gt; tags, string? note, int copies", list, StringComparison.Ordinal);

        HttpResponseMessage shown = await client.GetAsync("/monitor/apply/shop.order");
        string form = await shown.Content.ReadAsStringAsync();
        Assert.Contains("<input type=\"number\" step=\"1\" id=\"arg-quantity\" name=\"arg.quantity\" required>", form, StringComparison.Ordinal);
        Assert.Contains("<input type=\"checkbox\" id=\"arg-gift\" name=\"arg.gift\" value=\"true\">", form, StringComparison.Ordinal);

        // A bad field is named, and nothing is sent.
        HttpResponseMessage refused = await PostAsync(client, shown, form, ("arg.quantity", "lots"), ("arg.price", "2.5"), ("arg.sku", "A-1"), ("arg.tags", "[]"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("quantity: &#x27;lots&#x27; is not a whole number (int).", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0u, (await app.TaskApp.Transport.InspectQueueAsync("shop", default))?.Messages ?? 0u);

        HttpResponseMessage sent = await PostAsync(client, shown, form, ("arg.quantity", "3"), ("arg.price", "2.5"), ("arg.sku", "A-1"), ("arg.gift", "true"), ("arg.tags", """["red"]"""));
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.StartsWith("/monitor/task/", sent.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(1u, (await app.TaskApp.Transport.InspectQueueAsync("shop", default))!.Value.Messages);
    }

    [Fact]
    public async Task ATaskKnownOnlyByNameTakesJsonAndAReadOnlyMonitorSendsNothing()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync();
        using HttpClient client = app.CreateClient();
        CeleryEvents.Run(app, "t-1", "py.add", "(1, 2)");

        Assert.Contains("<a href=\"/monitor/apply/py.add\">py.add</a>", await app.GetPageAsync(client, "/apply"), StringComparison.Ordinal);
        string form = await app.GetPageAsync(client, "/apply/py.add");
        Assert.Contains("<textarea id=\"args\" name=\"args\" rows=\"2\">[]</textarea>", form, StringComparison.Ordinal);

        await using MonitorTestApp readOnly = await MonitorTestApp.StartAsync(configure: o => o.ReadOnly = true);
        using HttpClient readOnlyClient = readOnly.CreateClient();
        Assert.DoesNotContain("id=\"send\"", await readOnly.GetPageAsync(readOnlyClient, "/apply/py.add"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnlyClient.PostAsync("/monitor/apply/py.add", new FormUrlEncodedContent([]))).StatusCode);
    }

    [Fact]
    public async Task TheSchedulePageSaysWhenThereIsNothingToShow()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync();
        using HttpClient client = app.CreateClient();

        string page = await app.GetPageAsync(client, "/schedules");

        Assert.Contains("<p id=\"leader\">This app has no periodic tasks.</p>", page, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, HttpResponseMessage shown, string form, params (string Name, string Value)[] fields)
    {
        Match token = Regex.Match(form, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(token.Success, form);
        var content = fields.Select(f => new System.Collections.Generic.KeyValuePair<string, string>(f.Name, f.Value))
            .Append(new(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value)));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/monitor/apply/shop.order") { Content = new FormUrlEncodedContent(content) };
        post.Headers.Add("Cookie", shown.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        return await client.SendAsync(post);
    }
}

/// <summary>The task and worker pages offer the actions as forms on Flower's endpoints, carrying the token they need.</summary>
public sealed class ActionFormsTests
{
    [Fact]
    public async Task ARunningTaskCanBeRevokedFromItsPageAndAWorkerActedOnFromIts()
    {
        await using MonitorTestApp app = await MonitorTestApp.StartAsync();
        using HttpClient client = app.CreateClient();
        app.Ingest(CeleryEvents.Worker("worker-online", "w@a", freq: 60));
        app.Ingest(CeleryEvents.Task("task-started", "run-1", "w@a", "calc.slow"));

        HttpResponseMessage shown = await client.GetAsync("/monitor/task/run-1");
        string page = await shown.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" class=\"api-action\" id=\"action-revoke\" action=\"/monitor/api/task/revoke/run-1\">", page, StringComparison.Ordinal);
        Assert.Contains("action=\"/monitor/api/task/revoke/run-1?terminate=true\"", page, StringComparison.Ordinal);

        // The form's token is what lets a browser's post through; the API answers as Flower does.
        Match token = Regex.Match(page, "id=\"action-revoke\"[^>]*><input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(token.Success, page);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/monitor/api/task/revoke/run-1")
        {
            Content = new FormUrlEncodedContent([new(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value))]),
        };
        post.Headers.Add("Cookie", shown.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        post.Headers.Add("Origin", "http://localhost");
        HttpResponseMessage revoked = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("run-1", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        string worker = await app.GetPageAsync(client, "/worker/w@a");
        Assert.Contains("action=\"/monitor/api/worker/shutdown/w%40a\"", worker, StringComparison.Ordinal);
        Assert.Contains("action=\"/monitor/api/worker/queue/add-consumer/w%40a\"", worker, StringComparison.Ordinal);

        // A finished task offers nothing to revoke; a read-only monitor offers no action at all.
        CeleryEvents.Run(app, "done-1", "calc.add", "(1, 1)");
        Assert.DoesNotContain("action-revoke", await app.GetPageAsync(client, "/task/done-1"), StringComparison.Ordinal);
        await using MonitorTestApp readOnly = await MonitorTestApp.StartAsync(configure: o => o.ReadOnly = true);
        using HttpClient readOnlyClient = readOnly.CreateClient();
        readOnly.Ingest(CeleryEvents.Worker("worker-online", "w@a", freq: 60));
        Assert.DoesNotContain("api-action", await readOnly.GetPageAsync(readOnlyClient, "/worker/w@a"), StringComparison.Ordinal);
    }
}
