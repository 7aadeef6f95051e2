using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskGen.Monitor.Security;
using TaskGen.Monitor.Tests.Api;

namespace TaskGen.Monitor.Tests.Security;

/// <summary>Who the monitor serves: loopback by default, basic authentication, policies, read-only, cross-site refusal, no passwords shown.</summary>
public sealed class MonitorSecurityTests
{
    /// <summary>Every action route, with a path that reaches its handler.</summary>
    public static readonly TheoryData<string> Actions = new()
    {
        "/api/task/apply/mon.add", "/api/task/async-apply/mon.add", "/api/task/send-task/mon.add", "/api/task/revoke/t1",
        "/api/task/rate-limit/mon.add?workername=w@a&ratelimit=1/s", "/api/task/timeout/mon.add?workername=w@a&hard=1",
        "/api/worker/shutdown/w@a", "/api/worker/pool/restart/w@a", "/api/worker/pool/grow/w@a", "/api/worker/pool/shrink/w@a",
        "/api/worker/pool/autoscale/w@a?min=1&max=2", "/api/worker/queue/add-consumer/w@a?queue=q", "/api/worker/queue/cancel-consumer/w@a?queue=q",
    };

    [Theory]
    [InlineData("/api/workers")]
    [InlineData("/api/tasks")]
    [InlineData("/metrics")]
    [InlineData("/healthcheck")]
    public async Task ARemoteClientGets403WithOneLineSayingHowToOpenIt(string path)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        (HttpStatusCode status, string body) = await host.GetAsync(path, Remote("203.0.113.7"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(MonitorSecurity.LoopbackOnly + "\n", body);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(path, Remote("127.0.0.1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(path, Remote("::1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(path, Remote("::ffff:127.0.0.1"))).Status);
    }

    [Fact]
    public async Task AllowRemoteOpensTheMonitorToOtherClients()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.AllowRemote = true);

        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/workers", Remote("203.0.113.7"))).Status);
    }

    [Theory]
    [InlineData("/api/workers")]
    [InlineData("/api/tasks")]
    [InlineData("/api/task/info/t1")]
    [InlineData("/api/task/types")]
    [InlineData("/metrics")]
    public async Task BasicAuthAnswers401WithAChallengeAndNoDataUntilTheRightCredentials(string path)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => { o.BasicAuth.Add("admin:s3cret"); o.BasicAuth.Add("ops:other"); });
        host.Event(CeleryEvents.Received("t1", "mon.add", "w@a", 1.0));

        foreach (Action<HttpRequestMessage>? credentials in new Action<HttpRequestMessage>?[] { null, Basic("admin:wrong"), Basic("admin:s3cret2"), Basic("nobody"), r => r.Headers.TryAddWithoutValidation("Authorization", "Basic !!!"), r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer admin:s3cret") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            credentials?.Invoke(request);
            Remote("203.0.113.7")(request);
            using HttpResponseMessage response = await host.Client.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(MonitorSecurity.Challenge, response.Headers.WwwAuthenticate.ToString());
            Assert.DoesNotContain("mon.add", body, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(path, r => { Basic("admin:s3cret")(r); Remote("203.0.113.7")(r); })).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(path, Basic("ops:other"))).Status);
    }

    [Fact]
    public async Task TheHealthCheckNeedsNoCredentials()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.BasicAuth.Add("admin:s3cret"));

        Assert.Equal((HttpStatusCode.OK, "OK"), await host.GetAsync("/healthcheck", Remote("203.0.113.7")));
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task ReadOnlyRefusesEveryAction(string path)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.ReadOnly = true);
        host.Event(CeleryEvents.WorkerOnline("w@a", 1.0));

        (HttpStatusCode status, string body) = await host.PostAsync(path, "{}");

        Assert.Equal((HttpStatusCode.Forbidden, MonitorSecurity.ReadOnlyRefusal + "\n"), (status, body));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/tasks")).Status);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task AnActionABrowserSendsFromAnotherSiteIsRefusedEvenWithCredentials(string header, string value)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.BasicAuth.Add("admin:s3cret"));

        (HttpStatusCode status, string body) = await host.PostAsync("/api/task/revoke/t1", change: r =>
        {
            Basic("admin:s3cret")(r);
            r.Headers.TryAddWithoutValidation(header, value);
        });

        Assert.Equal((HttpStatusCode.Forbidden, MonitorSecurity.CrossSiteRefusal + "\n"), (status, body));
    }

    [Fact]
    public async Task AnActionFromTheMonitorsOwnPageNeedsItsAntiforgeryTokenOrXRequestedWith()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(map: app => app.MapGet("/test-token", (HttpContext context, IAntiforgery antiforgery) =>
        {
            AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(context);
            return tokens.RequestToken!;
        }));
        Action<HttpRequestMessage> samePage = r =>
        {
            r.Headers.TryAddWithoutValidation("Origin", "http://localhost");
            r.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        };

        Assert.Equal((HttpStatusCode.Forbidden, MonitorSecurity.TokenRefusal + "\n"), await host.PostAsync("/api/task/revoke/t1", change: samePage));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/api/task/revoke/t1", change: r => { samePage(r); r.Headers.Add("X-Requested-With", "XMLHttpRequest"); })).Status);

        using HttpResponseMessage tokenResponse = await host.Client.GetAsync("/test-token");
        string token = await tokenResponse.Content.ReadAsStringAsync();
        string cookie = string.Join("; ", tokenResponse.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/api/task/revoke/t1", change: r =>
        {
            samePage(r);
            r.Headers.Add("Cookie", cookie);
            r.Headers.Add("RequestVerificationToken", token);
        })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.PostAsync("/api/task/revoke/t1", change: r =>
        {
            samePage(r);
            r.Headers.Add("Cookie", cookie);
            r.Headers.Add("RequestVerificationToken", "forged");
        })).Status);
    }

    [Fact]
    public async Task ScriptsCallActionsAsWithFlowerFromLoopbackOrWithBasicCredentials()
    {
        await using MonitorTestHost open = await MonitorTestHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await open.PostAsync("/api/task/revoke/t1")).Status);

        await using MonitorTestHost closed = await MonitorTestHost.StartAsync(o => o.BasicAuth.Add("admin:s3cret"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await closed.PostAsync("/api/task/revoke/t1", change: Remote("203.0.113.7"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await closed.PostAsync("/api/task/revoke/t1", change: r => { Basic("admin:s3cret")(r); Remote("203.0.113.7")(r); })).Status);
    }

    [Fact]
    public async Task NoPasswordIsShownInWorkersOrTheHealthCheck()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.WorkerOnline("w@a", 1.0));
        host.Inspect("w@a", "stats", """{"broker":{"hostname":"h","userid":"guest","password":"hunter2pw","uri":"amqp://guest:hunter2pw@h:5672//","alternates":["amqp://guest:hunter2pw@other//"],"transport_options":{"sentinel_kwargs":{"password":"hunter2pw"},"url":"redis://:hunter2pw@r:6379/0"}}}""");
        host.Inspect("w@a", "conf", """{"broker_url":"amqp://guest:hunter2pw@h//","result_backend":"redis://:hunter2pw@h:6379/0","redis_password":"hunter2pw"}""");

        string workers = (await host.GetAsync("/api/workers")).Body;
        string health = (await host.GetAsync("/healthcheck")).Body;
        (HttpStatusCode status, string page) = await host.GetAsync("/worker/w@a");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("hunter2pw", workers, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2pw", health, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2pw", page, StringComparison.Ordinal);
        Assert.Contains("broker.uri", page, StringComparison.Ordinal);
        Assert.Contains("amqp://guest:***@h:5672//", page, StringComparison.Ordinal);
        Assert.Contains("amqp://guest:***@h:5672//", workers, StringComparison.Ordinal);
        Assert.Contains("\"userid\":\"guest\"", workers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAuthorizationPolicyGuardsEveryEndpointAndTheActionsPolicyTheActions()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(
            o => { o.AuthorizationPolicy = "monitor"; o.ActionsPolicy = "operators"; },
            services: services =>
            {
                services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
                services.AddAuthorization(a =>
                {
                    a.AddPolicy("monitor", p => p.RequireAuthenticatedUser());
                    a.AddPolicy("operators", p => p.RequireRole("operator"));
                });
            });

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync("/api/tasks", Remote("203.0.113.7"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/tasks", r => { User("viewer")(r); Remote("203.0.113.7")(r); })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.PostAsync("/api/task/revoke/t1", change: User("viewer"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/api/task/revoke/t1", change: User("operator"))).Status);
    }

    [Fact]
    public async Task APolicyPutOnTheMountedMonitorOpensItToTheClientsThePolicyAdmits()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(
            services: services =>
            {
                services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
                services.AddAuthorization(a => a.AddPolicy("ops", p => p.RequireRole("operator")));
            },
            mounted: monitor => monitor.RequireAuthorization("ops"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync("/api/tasks", Remote("203.0.113.7"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.GetAsync("/api/tasks", r => { User("viewer")(r); Remote("203.0.113.7")(r); })).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/tasks", r => { User("operator")(r); Remote("203.0.113.7")(r); })).Status);
    }

    private static Action<HttpRequestMessage> Remote(string ip) => r => r.Headers.Add(MonitorTestHost.RemoteIpHeader, ip);

    private static Action<HttpRequestMessage> Basic(string credentials) =>
        r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

    private static Action<HttpRequestMessage> User(string role) => r => r.Headers.Add(HeaderAuthentication.Header, role);

    /// <summary>Signs in whoever sends <c>X-Test-Role</c>, with that role: an app's own authentication, for the policy tests.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Test";
        public const string Header = "X-Test-Role";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var role))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone"), new Claim(ClaimTypes.Role, role.ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
