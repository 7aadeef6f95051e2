using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.Tests.Api;

namespace TaskGen.Monitor.Tests.Security;

/// <summary>With basic authentication the actions policy judges the basic-auth user: one account may act, another only read.</summary>
public sealed class BasicAuthActionsPolicyTests
{
    [Fact]
    public async Task TheActionsPolicyJudgesTheBasicAuthUser()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(
            o => { o.BasicAuth.Add("admin:s3cret"); o.BasicAuth.Add("viewer:look"); o.ActionsPolicy = "operators"; },
            services: services => services.AddAuthorization(a => a.AddPolicy("operators", p => p.RequireUserName("admin"))));

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync("/api/task/revoke/t1")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.PostAsync("/api/task/revoke/t1", change: Basic("viewer:look"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/tasks", Basic("viewer:look"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/api/task/revoke/t1", change: Basic("admin:s3cret"))).Status);
    }

    private static Action<HttpRequestMessage> Basic(string credentials) =>
        r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
}
