extern alias worker;

using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TaskGen;
using TaskGen.Testing;
using WebShop.Contracts.Remote;

namespace WebShop.Tests;

/// <summary>
/// The contact form, posted to the real app in memory: a valid post queues the WebShop.Contracts SendEmail task with the form's
/// fields, which the harness records and runs; an invalid one queues nothing.
/// </summary>
public sealed partial class ContactFormTests : IDisposable
{
    private readonly string _outbox = Path.Combine(Path.GetTempPath(), "webshop-tests-" + Guid.NewGuid().ToString("N"));
    private readonly WebApplicationFactory<Program> _factory;

    public ContactFormTests()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("WebShop:Outbox", _outbox);

            // The harness is TaskApp.Default for the test's execution context only; the in-memory server must run
            // each request in that context for the endpoint's stub to send through the harness.
            web.ConfigureServices(services => services.Configure<TestServerOptions>(o => o.PreserveExecutionContext = true));
        });
    }

    public void Dispose()
    {
        _factory.Dispose();
        if (Directory.Exists(_outbox))
        {
            Directory.Delete(_outbox, recursive: true);
        }
    }

    [Fact]
    public async Task PostingTheFormQueuesTheEmailAndRunningItWritesIt()
    {
        await using TaskHarness harness = await StartHarnessAsync(TaskHarnessMode.Eager);
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        HttpResponseMessage posted = await PostAsync(client, "ann@example.com", "Order 42", "Where is my parcel?");

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        string id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        SentTask call = harness.AssertSent(Mail.SendEmail.Signature("ann@example.com", "Order 42", "Where is my parcel?"));
        Assert.Equal(id, call.Id);
        Assert.Equal("mail", call.Queue);
        Assert.Equal("Order 42", call.Arg<string>("subject"));

        await harness.RunPendingAsync();
        TaskRun run = Assert.Single(harness.Runs(Mail.SendEmail.Descriptor));
        Assert.Equal(id, run.Result<string>());
        string email = await File.ReadAllTextAsync(Path.Combine(_outbox, id + ".eml"));
        Assert.Contains("To: ann@example.com\r\n", email, StringComparison.Ordinal);
        Assert.Contains("Subject: Order 42\r\n", email, StringComparison.Ordinal);

        // The task page reads the result through the app's own AsyncResult, as it would from a real worker.
        JsonElement state = await GetJsonAsync(client, "/tasks/" + id);
        Assert.Equal("SUCCESS", state.GetProperty("state").GetString());
        Assert.Equal(id, state.GetProperty("result").GetString());
    }

    [Fact]
    public async Task AQueuedEmailIsPendingUntilAWorkerRunsIt()
    {
        await using TaskHarness harness = await StartHarnessAsync(TaskHarnessMode.OnDemand);
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        HttpResponseMessage posted = await PostAsync(client, "bob@example.com", "Hello", "Hi there");
        string id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Assert.Equal("PENDING", (await GetJsonAsync(client, "/tasks/" + id)).GetProperty("state").GetString());
        Assert.False(File.Exists(Path.Combine(_outbox, id + ".eml")));

        await harness.RunPendingAsync();

        Assert.Equal("SUCCESS", (await GetJsonAsync(client, "/tasks/" + id)).GetProperty("state").GetString());
        Assert.True(File.Exists(Path.Combine(_outbox, id + ".eml")));
    }

    [Fact]
    public async Task AnInvalidFormQueuesNothing()
    {
        await using TaskHarness harness = await StartHarnessAsync(TaskHarnessMode.OnDemand);
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        HttpResponseMessage posted = await PostAsync(client, "not an address", "Hello", "Hi there");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        harness.AssertNotSent(Mail.SendEmail.Descriptor);
    }

    [Fact]
    public async Task TheShopMountsTheMonitorWithTheContractsSendFormTyped()
    {
        HttpClient client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        string workers = await client.GetStringAsync("/monitor/workers");
        string apply = await client.GetStringAsync("/monitor/apply");

        Assert.Contains("TaskGen monitor", workers, StringComparison.Ordinal);
        Assert.Contains(Mail.SendEmail.Name, apply, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, (await GetJsonAsync(client, "/monitor/api/workers")).ValueKind);
    }

    // Not an async method: the harness installs itself for the caller's execution context, which an async helper
    // would restore on return.
    private Task<TaskHarness> StartHarnessAsync(TaskHarnessMode mode)
    {
        // The web app references the contracts only; the harness runs the worker's implementation, whose [FromServices]
        // Outbox writes to the test's directory. The worker is referenced under an alias: both programs have a Program.
        IServiceProvider services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection([new(worker::WebShop.Worker.Outbox.ConfigurationKey, _outbox)]).Build())
            .AddSingleton<worker::WebShop.Worker.Outbox>()
            .BuildServiceProvider();
        return TaskHarness.StartAsync(b => { worker::TaskGen.WebShopWorkerTasksRegistration.AddWebShopWorkerTasks(b); b.Services = services; }, mode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string to, string subject, string message)
    {
        // The form carries an anti-forgery token, and its cookie comes with the page.
        string page = await client.GetStringAsync("/");
        Match token = TokenField().Match(page);
        Assert.True(token.Success, "The contact form has no anti-forgery field.");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/contact")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [WebUtility.HtmlDecode(token.Groups["name"].Value)] = WebUtility.HtmlDecode(token.Groups["value"].Value),
                ["to"] = to,
                ["subject"] = subject,
                ["message"] = message,
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]+)\">")]
    private static partial Regex TokenField();
}
