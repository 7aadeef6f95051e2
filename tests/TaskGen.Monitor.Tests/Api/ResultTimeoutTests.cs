using System.Net;
using System.Threading.Tasks;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>The result endpoint's <c>timeout</c> is bounded: a huge one is a bad request, not a server error.</summary>
public sealed class ResultTimeoutTests
{
    [Theory]
    [InlineData("1e20")]
    [InlineData("86401")]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task ATimeoutAboveADayOrNotANumberIs400(string timeout)
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();

        (HttpStatusCode status, _) = await host.GetAsync("/api/task/result/x?timeout=" + timeout);

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }
}
