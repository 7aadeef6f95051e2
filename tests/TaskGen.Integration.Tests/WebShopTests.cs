using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// The web sample end to end: its worker service and its web app run as their own processes on the test broker, and
/// the test speaks to the web app over HTTP on loopback as a browser and a JSON client would.
/// </summary>
public sealed partial class WebShopTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    private static readonly string WebProgram = RabbitMqFixture.ProgramPath("samples/WebShop", "WebShop");
    private static readonly string MailWorkerProgram = RabbitMqFixture.ProgramPath("samples/WebShop.Worker", "WebShop.Worker");

    [Fact]
    public async Task AContactFormPostIsSentByTheWorkerAndItsTaskPageReachesSuccess()
    {
        string outbox = Path.Combine(Path.GetTempPath(), "webshop-outbox-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var environment = new Dictionary<string, string> { ["TaskGen__BrokerUrl"] = Broker.Url, ["WebShop__Outbox"] = outbox };
            await using ProgramProcess worker = ProgramProcess.StartExecutable("dotnet", [MailWorkerProgram], environment);
            await worker.WaitForLineAsync(line => line.Contains(" ready: consuming mail", StringComparison.Ordinal), "the mail worker to consume");
            await using WebShopSite site = await WebShopSite.StartAsync(Broker.Url);

            string form = await site.Http.GetStringAsync("/");
            Assert.Contains("<form method=\"post\" action=\"/contact\">", form, StringComparison.Ordinal);
            string subject = "Order 1042 arrived damaged " + Guid.NewGuid().ToString("N")[..6];
            using HttpResponseMessage posted = await site.PostContactAsync(form, new() { ["to"] = "customer@example.com", ["subject"] = subject, ["message"] = "The box was\nopen." });

            Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
            string location = posted.Headers.Location!.OriginalString;
            Assert.StartsWith("/tasks/", location, StringComparison.Ordinal);
            string taskPage = await site.Http.GetStringAsync(location);
            Assert.Contains("<strong id=\"state\">", taskPage, StringComparison.Ordinal);

            JsonElement done = await Poll.UntilAsync(
                () => site.GetTaskAsync(location),
                task => task.GetProperty("state").GetString() is "SUCCESS" or "FAILURE" or "REVOKED",
                "the email's task to finish");
            Assert.Equal("SUCCESS", done.GetProperty("state").GetString());
            string messageId = done.GetProperty("result").GetString()!;
            Assert.Equal(location["/tasks/".Length..], done.GetProperty("id").GetString());
            Assert.Contains("<strong id=\"state\">SUCCESS</strong>", await site.Http.GetStringAsync(location), StringComparison.Ordinal);

            string email = await File.ReadAllTextAsync(Path.Combine(outbox, messageId + ".eml"));
            Assert.Contains("\r\nTo: customer@example.com\r\n", email, StringComparison.Ordinal);
            Assert.Contains($"\r\nSubject: {subject}\r\n", email, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\nThe box was\r\nopen.\r\n", email, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(outbox))
            {
                Directory.Delete(outbox, recursive: true);
            }
        }
    }

    [Fact]
    public async Task AJsonClientGets202WithTheTaskIdAndItsStatusAddress()
    {
        await using WebShopSite site = await WebShopSite.StartAsync(Broker.Url);
        string form = await site.Http.GetStringAsync("/");

        using HttpResponseMessage posted = await site.PostContactAsync(form, new() { ["to"] = "customer@example.com", ["subject"] = "Hello", ["message"] = "Hi." }, json: true);

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        string id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("/tasks/" + id, body.RootElement.GetProperty("status").GetString());
        Assert.Equal("/tasks/" + id, posted.Headers.Location!.OriginalString);

        // No mail worker runs in this test, so the message waits in the queue and its task stays PENDING.
        Assert.Equal("PENDING", (await site.GetTaskAsync("/tasks/" + id)).GetProperty("state").GetString());
        await App.Transport.PurgeAsync("mail", System.Threading.CancellationToken.None);
    }

    [Fact]
    public async Task APostMissingAFieldIsRefusedWith400NamingIt()
    {
        await using WebShopSite site = await WebShopSite.StartAsync(Broker.Url);
        string form = await site.Http.GetStringAsync("/");

        using HttpResponseMessage html = await site.PostContactAsync(form, new() { ["to"] = "customer@example.com", ["message"] = "No subject." });
        Assert.Equal(HttpStatusCode.BadRequest, html.StatusCode);
        Assert.Contains("The field &#x27;subject&#x27; is required.", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using HttpResponseMessage json = await site.PostContactAsync(form, new() { ["to"] = "not an address", ["subject"] = "Hi", ["message"] = "Hello." }, json: true);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Contains("must be a plain email address", problem.RootElement.GetProperty("errors").GetProperty("to")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthIsHealthyWhileTheBrokerIsReachable()
    {
        await using WebShopSite site = await WebShopSite.StartAsync(Broker.Url);

        using HttpResponseMessage health = await site.Http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABrokerThatCannotBeReachedMakesThePost503AndHealthUnhealthy()
    {
        // Nothing listens on port 1 of the loopback address, so connecting is refused at once.
        await using WebShopSite site = await WebShopSite.StartAsync("amqp://guest:guest@127.0.0.1:1/");
        string form = await site.Http.GetStringAsync("/");

        using HttpResponseMessage posted = await site.PostContactAsync(form, new() { ["to"] = "customer@example.com", ["subject"] = "Hello", ["message"] = "Hi." });
        using HttpResponseMessage health = await site.Http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, posted.StatusCode);
        Assert.Contains("cannot be reached right now", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUnknownTaskIdIs404()
    {
        await using WebShopSite site = await WebShopSite.StartAsync(Broker.Url);

        using HttpResponseMessage unknown = await site.Http.GetAsync("/tasks/" + Guid.NewGuid());

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>The web app running as a process on a loopback port the OS chose, with a client that keeps its cookies.</summary>
    private sealed class WebShopSite : IAsyncDisposable
    {
        private readonly ProgramProcess _process;

        private WebShopSite(ProgramProcess process, Uri address)
        {
            _process = process;

            // Redirects are not followed, so a test sees the 303 itself; cookies are kept for the anti-forgery token.
            Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = address, Timeout = ProgramProcess.Guard };
        }

        /// <summary>A client for the site, with its base address set.</summary>
        public HttpClient Http { get; }

        /// <summary>Starts the web app on port 0 and reads the port it bound from its log, so no two runs race for a port.</summary>
        public static async Task<WebShopSite> StartAsync(string brokerUrl)
        {
            ProgramProcess process = ProgramProcess.StartExecutable(
                "dotnet",
                [WebProgram, "--urls", "http://127.0.0.1:0"],
                new Dictionary<string, string> { ["TaskGen__BrokerUrl"] = brokerUrl });
            try
            {
                string line = await process.WaitForLineAsync(l => l.Contains("Now listening on: http://127.0.0.1:", StringComparison.Ordinal), "the web app to listen");
                return new WebShopSite(process, new Uri(line[(line.IndexOf("http://", StringComparison.Ordinal))..].Trim()));
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }

        /// <summary>Posts the contact form with the anti-forgery token from <paramref name="formPage"/>, as a browser or a JSON client.</summary>
        public async Task<HttpResponseMessage> PostContactAsync(string formPage, Dictionary<string, string> fields, bool json = false)
        {
            fields["__RequestVerificationToken"] = AntiforgeryField().Match(formPage).Groups[1].Value;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/contact") { Content = new FormUrlEncodedContent(fields) };
            if (json)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            }

            return await Http.SendAsync(request);
        }

        /// <summary>Reads a task's state as JSON.</summary>
        public async Task<JsonElement> GetTaskAsync(string location)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, location);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using HttpResponseMessage response = await Http.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {location}: {(int)response.StatusCode} {body}");
            using JsonDocument document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _process.DisposeAsync();
        }
    }
}
