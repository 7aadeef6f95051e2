using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace TaskGen.Tests.Results;

/// <summary>
/// A result backend of a package of its own is chosen only once the package is registered: without
/// <c>AddRedisResults()</c> a Redis backend stops the app at build, saying which package and which call it needs.
/// </summary>
public sealed class ResultBackendRegistrationTests
{
    [Theory]
    [InlineData("redis://:s3cret@cache:6379/0")]
    [InlineData("rediss://:s3cret@cache:6379/0")]
    [InlineData("sentinel://:s3cret@a:26379/0;sentinel://:s3cret@b:26379/0")]
    public void ARedisBackendWithoutItsPackageIsRefusedAtBuildNamingThePackageAndTheCall(string url)
    {
        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://result-backend-registration";
            b.Options.ResultBackend = url;
            b.Options.ResultBackendMasterName = "results";
        }));

        Assert.Contains("TaskGen.Redis", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisResults()", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOptionsAloneLeaveTheBackendsPackageToBuild() =>
        Assert.Null(Record.Exception(new TaskAppOptions { ResultBackend = "redis://:s3cret@cache:6379/0" }.Validate));

    [Fact]
    public async Task ARedisBackendIsAcceptedOnceRegistered()
    {
        // Nothing listens on port 1: Redis is dialled on first use only, so building must not need it.
        await using TaskApp app = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = "memory://result-backend-registration";
            b.Options.ResultBackend = "redis://127.0.0.1:1/0";
            b.AddRedisResults();
        });

        Assert.Equal("redis://127.0.0.1:1/0", app.Options.ResultBackend);
    }

    [Fact]
    public async Task AHostRegistersTheRedisBackendThroughItsBuilder()
    {
        var services = new ServiceCollection();
        services.AddTaskGen(o =>
        {
            o.BrokerUrl = "memory://result-backend-registration";
            o.ResultBackend = "redis://:s3cret@127.0.0.1:1/0";
        }).AddRedisResults();
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<TaskApp>());
    }

    [Fact]
    public async Task AHostWithoutTheRedisBackendIsRefusedWhenItBuildsTheApp()
    {
        var services = new ServiceCollection();
        services.AddTaskGen(o =>
        {
            o.BrokerUrl = "memory://result-backend-registration";
            o.ResultBackend = "redis://:s3cret@127.0.0.1:1/0";
        });
        await using ServiceProvider provider = services.BuildServiceProvider();

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(() => provider.GetRequiredService<TaskApp>());

        Assert.Contains("services.AddTaskGen(...).AddRedisResults()", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
    }
}
