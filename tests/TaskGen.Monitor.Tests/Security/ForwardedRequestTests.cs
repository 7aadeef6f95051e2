using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.Tests.Api;

namespace TaskGen.Monitor.Tests.Security;

/// <summary>
/// A request a reverse proxy forwarded comes from a client the monitor cannot see, so it is not taken as local even
/// when the proxy itself connects over loopback.
/// </summary>
public sealed class ForwardedRequestTests
{
    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7", "127.0.0.1")]
    [InlineData("Forwarded", "for=203.0.113.7", "::1")]
    [InlineData("X-Real-IP", "203.0.113.7", "127.0.0.1")]
    [InlineData("X-Forwarded-For", "127.0.0.1", null)]
    public async Task AForwardedRequestIsNotLocal(string header, string value, string? proxy)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        (HttpStatusCode status, string body) = await host.GetAsync("/api/workers", r =>
        {
            if (proxy is not null)
            {
                r.Headers.Add(MonitorTestHost.RemoteIpHeader, proxy);
            }

            r.Headers.TryAddWithoutValidation(header, value);
        });

        Assert.Equal((HttpStatusCode.Forbidden, MonitorSecurity.LoopbackOnly + "\n"), (status, body));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/workers", r => r.Headers.Add(MonitorTestHost.RemoteIpHeader, proxy ?? "127.0.0.1"))).Status);
    }

    [Fact]
    public async Task BehindAProxyAllowRemoteOrBasicAuthOpensTheMonitor()
    {
        await using MonitorTestHost open = await MonitorTestHost.StartAsync(o => o.AllowRemote = true);
        Assert.Equal(HttpStatusCode.OK, (await open.GetAsync("/api/workers", r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"))).Status);

        await using MonitorTestHost closed = await MonitorTestHost.StartAsync(o => o.BasicAuth.Add("admin:s3cret"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await closed.GetAsync("/api/workers", r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await closed.GetAsync("/api/workers", r =>
        {
            r.Headers.Add("X-Forwarded-For", "203.0.113.7");
            r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret")));
        })).Status);
    }
}
