using System;
using System.Net;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Monitor.Tests.Api;

namespace TaskGen.Monitor.Tests.Pages;

/// <summary>The broker page shows the result backend without any of its passwords, however many URLs it lists.</summary>
public sealed class BrokerPageTests
{
    [Fact]
    public async Task EveryPasswordOfAFailoverResultBackendIsMasked()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync(
            resultBackend: "sentinel://:pw1@s1:26379/0;sentinel://:pw1@s2:26379/0",
            services: services => services.Configure<TaskAppOptions>(o => o.ResultBackendMasterName = "mymaster"));

        (HttpStatusCode status, string page) = await host.GetAsync("/broker");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("pw1", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Result backend</th><td>sentinel://:***@s1:26379/0;sentinel://:***@s2:26379/0</td></tr>", page, StringComparison.Ordinal);

        // TaskGen's Redis backend refuses a list whose passwords differ at startup; the page must not count on that.
        host.App.Options.ResultBackend = "sentinel://:pw1@s1:26379/0;sentinel://:pw2@s2:26379/0";
        page = (await host.GetAsync("/broker")).Body;

        Assert.DoesNotContain("pw1", page, StringComparison.Ordinal);
        Assert.DoesNotContain("pw2", page, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Result backend</th><td>sentinel://:***@s1:26379/0;sentinel://:***@s2:26379/0</td></tr>", page, StringComparison.Ordinal);
    }
}
