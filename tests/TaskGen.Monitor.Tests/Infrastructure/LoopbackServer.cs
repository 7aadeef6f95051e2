using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskGen.Monitor.Tests;

/// <summary>
/// A Kestrel server on a free loopback port (127.0.0.1:0) for the duration of a test, serving what the test maps:
/// the pages a browser test loads, or the monitor mounted into an app as a user's app would mount it.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = Integration.Tests.ProgramProcess.Guard };
    }

    /// <summary>The running app, for its services.</summary>
    public WebApplication App { get; }

    /// <summary>The server's address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client for the server's address; requests take paths relative to it.</summary>
    public HttpClient Http { get; }

    /// <summary>Builds an app, lets the test add services and map endpoints, and starts it on a free loopback port.</summary>
    /// <param name="map">Maps the endpoints, such as <c>app =&gt; app.MapGet("/", ...)</c>.</param>
    /// <param name="configure">Adds services and configuration before the app is built, when given.</param>
    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // Kestrel's request logs would bury a failing test's own output.
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        map(app);
        await app.StartAsync();

        // The port the system chose replaces the 0 in the address Kestrel reports.
        string address = app.Urls.Single();
        return new LoopbackServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
