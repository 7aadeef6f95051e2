using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Tests.Pages;

/// <summary>
/// An ASP.NET Core app with TaskGen on a private <c>memory://</c> broker and the monitor mounted, served in memory
/// (TestServer) or by Kestrel on a loopback port for a real browser; events are fed straight to its store.
/// </summary>
internal sealed class MonitorTestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MonitorTestApp(WebApplication app, string broker, string prefix, Uri? address)
    {
        _app = app;
        Broker = broker;
        Prefix = prefix;
        Address = address;
    }

    /// <summary>The broker URL, a <c>memory://</c> broker of this app's own.</summary>
    public string Broker { get; }

    /// <summary>Where the monitor is mounted, without a trailing slash (empty at the root).</summary>
    public string Prefix { get; }

    /// <summary>The Kestrel address when served for a browser, else null.</summary>
    public Uri? Address { get; }

    public IServiceProvider Services => _app.Services;

    public MonitorStore Store => _app.Services.GetRequiredService<MonitorStore>();

    public TaskApp TaskApp => _app.Services.GetRequiredService<TaskApp>();

    /// <summary>Seconds since the epoch, as events carry them.</summary>
    public static double Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public static async Task<MonitorTestApp> StartAsync(string prefix = "/monitor", bool kestrel = false, Action<MonitorOptions>? configure = null, Action<TaskAppBuilder>? tasks = null)
    {
        string broker = "memory://monitor-pages-" + Guid.NewGuid().ToString("N");
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        if (kestrel)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Services.AddRouting();
        builder.Services.AddAntiforgery();
        builder.Services.AddTaskGen(o => o.BrokerUrl = broker, tasks);
        builder.Services.AddTaskGenMonitor(o =>
        {
            // Nothing answers inspect on this broker; the tests set the replies themselves.
            o.InspectInterval = TimeSpan.Zero;
            o.EnableEvents = false;
            o.LoadHistory = false;
            o.AllowRemote = true;
            configure?.Invoke(o);
        });

        WebApplication app = builder.Build();
        app.MapTaskGenMonitor(prefix);
        await app.StartAsync();
        Uri? address = kestrel
            ? new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First())
            : null;
        return new MonitorTestApp(app, broker, prefix.TrimEnd('/'), address);
    }

    /// <summary>A client for the in-memory server (no cookies kept, no redirects followed).</summary>
    public HttpClient CreateClient()
    {
        HttpClient client = _app.GetTestServer().CreateClient();
        return client;
    }

    /// <summary>Sends an HTTP GET and returns the page text, failing on a status other than 200.</summary>
    public async Task<string> GetPageAsync(HttpClient client, string path)
    {
        HttpResponseMessage response = await client.GetAsync(Prefix + path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {Prefix + path}: {(int)response.StatusCode}\n{text}");
        return text;
    }

    /// <summary>Feeds one event, written as Celery writes it, to the store (as the <c>celeryev</c> consumer would).</summary>
    public void Ingest(object fields)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(fields);
        string? type = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString();
        Store.Ingest(body, type?.Replace('-', '.'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Celery-shaped events for the pages' tests: the fields Celery 5's workers and clients put in them.</summary>
internal static class CeleryEvents
{
    public static Dictionary<string, object?> Worker(string type, string hostname, string swIdent = "py-celery", string swVer = "5.6.0", int active = 0, long processed = 0, double freq = 2.0) => new()
    {
        ["type"] = type,
        ["hostname"] = hostname,
        ["timestamp"] = MonitorTestApp.Now,
        ["utcoffset"] = 0,
        ["pid"] = 4242,
        ["clock"] = 1,
        ["freq"] = freq,
        ["active"] = active,
        ["processed"] = processed,
        ["loadavg"] = new[] { 0.5, 0.25, 0.1 },
        ["sw_ident"] = swIdent,
        ["sw_ver"] = swVer,
        ["sw_sys"] = "Linux",
    };

    public static Dictionary<string, object?> Task(string type, string id, string hostname = "celery@py", string? name = null, double? at = null) => new()
    {
        ["type"] = type,
        ["uuid"] = id,
        ["hostname"] = hostname,
        ["timestamp"] = at ?? MonitorTestApp.Now,
        ["utcoffset"] = 0,
        ["pid"] = 4242,
        ["clock"] = 2,
        ["name"] = name,
    };

    public static Dictionary<string, object?> With(this Dictionary<string, object?> fields, string key, object? value)
    {
        fields[key] = value;
        return fields;
    }

    /// <summary>A task's received, started and final events, the final one <c>task-succeeded</c> with <paramref name="result"/> or <c>task-failed</c>.</summary>
    public static void Run(MonitorTestApp app, string id, string name, string args, string? result = "None", string? exception = null, string hostname = "celery@py",
        string? rootId = null, string? parentId = null, string? group = null, int? groupIndex = null)
    {
        double now = MonitorTestApp.Now;
        app.Ingest(Task("task-received", id, hostname, name, now - 0.3).With("args", args).With("kwargs", "{}").With("retries", 0)
            .With("root_id", rootId ?? id).With("parent_id", parentId).With("group", group).With("group_index", groupIndex));
        app.Ingest(Task("task-started", id, hostname, at: now - 0.2));
        app.Ingest(exception is null
            ? Task("task-succeeded", id, hostname, at: now).With("result", result).With("runtime", 0.2)
            : Task("task-failed", id, hostname, at: now).With("exception", exception).With("traceback", "Traceback (most recent call last):\n  File \"tasks.py\", line 3\n" + exception));
    }
}
