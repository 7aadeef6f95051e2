using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>
/// An app with the monitor mounted, on TaskGen's in-memory broker and ASP.NET Core's test server; the store is fed
/// Celery-shaped events directly. A request's <c>X-Test-Remote-Ip</c> header sets the client address it appears to come from.
/// </summary>
internal sealed class MonitorTestHost : IAsyncDisposable
{
    public const string RemoteIpHeader = "X-Test-Remote-Ip";

    private readonly WebApplication _app;

    private MonitorTestHost(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
        Store = app.Services.GetRequiredService<MonitorStore>();
        App = app.Services.GetRequiredService<TaskApp>();
    }

    public HttpClient Client { get; }

    public MonitorStore Store { get; }

    public TaskApp App { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<MonitorTestHost> StartAsync(Action<MonitorOptions>? configure = null, string prefix = "/", Action<IServiceCollection>? services = null, Action<WebApplication>? map = null, Action<IEndpointConventionBuilder>? mounted = null, string? resultBackend = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        TaskGenBuilder taskGen = builder.Services.AddTaskGen(o =>
        {
            o.BrokerUrl = "memory://";
            o.TaskCreateMissingQueues = true;
            o.ResultBackend = resultBackend ?? o.ResultBackend;
        });
        if (resultBackend is not null)
        {
            taskGen.AddRedisResults();
        }

        builder.Services.AddAntiforgery();

        // Polling and the events switch would talk to workers on their own schedule; the tests drive the store.
        builder.Services.AddTaskGenMonitor(o =>
        {
            o.InspectInterval = TimeSpan.Zero;
            o.EnableEvents = false;
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue(RemoteIpHeader, out var ip))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(ip.ToString());
            }

            return next(context);
        });
        map?.Invoke(app);
        IEndpointConventionBuilder monitor = app.MapTaskGenMonitor(prefix);
        mounted?.Invoke(monitor);
        await app.StartAsync();
        return new MonitorTestHost(app);
    }

    /// <summary>Feeds one event (or a JSON array of them) to the store, as the event consumer would.</summary>
    public void Event(string json) => Store.Ingest(Encoding.UTF8.GetBytes(json));

    /// <summary>Keeps an inspect reply for a worker, as the poller would.</summary>
    public void Inspect(string worker, string method, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        Store.SetInspect(worker, method, document.RootElement);
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, Action<HttpRequestMessage>? change = null) =>
        await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), change);

    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string? json = null, Action<HttpRequestMessage>? change = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await SendAsync(request, change);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        (HttpStatusCode status, string body) = await GetAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {body}");
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request, Action<HttpRequestMessage>? change = null)
    {
        change?.Invoke(request);
        using HttpResponseMessage response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Celery-shaped events for the tests, as a Celery 5.6 worker and a producer send them.</summary>
internal static class CeleryEvents
{
    public static string WorkerOnline(string host, double timestamp, int active = 0) =>
        $$"""{"type":"worker-heartbeat","hostname":"{{host}}","timestamp":{{timestamp}},"freq":2.0,"active":{{active}},"processed":3,"loadavg":[0.1,0.2,0.3],"sw_ident":"py-celery","sw_ver":"5.6.3","sw_sys":"Linux","pid":42,"clock":7,"utcoffset":0}""";

    public static string Sent(string id, string name, double timestamp, string args = "(2, 3)", string client = "gen1@vm") =>
        $$"""{"type":"task-sent","hostname":"{{client}}","timestamp":{{timestamp}},"uuid":"{{id}}","name":"{{name}}","args":"{{args}}","kwargs":"{}","retries":0,"eta":null,"expires":null,"queue":"celery","exchange":"","routing_key":"celery","root_id":"{{id}}","parent_id":null,"clock":1}""";

    public static string Received(string id, string name, string worker, double timestamp, string args = "(2, 3)", string kwargs = "{}") =>
        $$"""{"type":"task-received","hostname":"{{worker}}","timestamp":{{timestamp}},"uuid":"{{id}}","name":"{{name}}","args":"{{args}}","kwargs":"{{kwargs}}","retries":0,"eta":null,"expires":null,"root_id":"{{id}}","parent_id":null,"clock":2}""";

    public static string Started(string id, string worker, double timestamp) =>
        $$"""{"type":"task-started","hostname":"{{worker}}","timestamp":{{timestamp}},"uuid":"{{id}}","clock":3}""";

    public static string Succeeded(string id, string worker, double timestamp, string result = "5", double runtime = 0.003) =>
        $$"""{"type":"task-succeeded","hostname":"{{worker}}","timestamp":{{timestamp}},"uuid":"{{id}}","result":"{{result}}","runtime":{{runtime}},"clock":4}""";

    public static string Failed(string id, string worker, double timestamp, string exception = "ValueError('boom')") =>
        $$"""{"type":"task-failed","hostname":"{{worker}}","timestamp":{{timestamp}},"uuid":"{{id}}","exception":"{{exception}}","traceback":"Traceback (most recent call last):\n  boom","clock":5}""";
}
