using System.Threading.Tasks;
using TaskGen.Monitor.Tests.Api;

namespace TaskGen.Monitor.Tests.Security;

/// <summary>A badly written basic-auth account is a configuration mistake, reported as TaskGen reports those.</summary>
public sealed class BasicCredentialsTests
{
    [Theory]
    [InlineData("nocolon")]
    [InlineData(":password")]
    public async Task AnAccountThatIsNotUserColonPasswordIsAConfigurationError(string account)
    {
        TaskAppConfigurationException error = await Assert.ThrowsAsync<TaskAppConfigurationException>(async () =>
        {
            await using MonitorTestHost host = await MonitorTestHost.StartAsync(o => o.BasicAuth.Add(account));
        });

        Assert.Contains("TaskGen:Monitor:BasicAuth", error.Message, System.StringComparison.Ordinal);
    }
}
