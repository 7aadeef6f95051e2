using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using TaskGen.Hosting;

namespace TaskGen.Tests.Hosting;

/// <summary>WorkerResultStoreRetryTime binds from configuration and is refused outside what a timer can wait.</summary>
public sealed class ResultStoreRetryTimeTests
{
    [Fact]
    public void WorkerResultStoreRetryTimeDefaultsToAMinuteAndBindsFromConfiguration()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), new TaskAppOptions().WorkerResultStoreRetryTime);

        var options = new TaskAppOptions();
        TaskAppConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:WorkerResultStoreRetryTime"] = "00:05:00" }).Build(), options);

        Assert.Equal(TimeSpan.FromMinutes(5), options.WorkerResultStoreRetryTime);
        Assert.Null(Record.Exception(options.Validate));

        // In seconds, as Celery writes durations.
        TaskAppConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:WorkerResultStoreRetryTime"] = "90" }).Build(), options);
        Assert.Equal(TimeSpan.FromSeconds(90), options.WorkerResultStoreRetryTime);
    }

    [Fact]
    public void WorkerResultStoreRetryTimeOutOfRangeIsRefusedNamingIt()
    {
        foreach (TimeSpan refused in new[] { TimeSpan.FromSeconds(-1), TaskAppOptions.MaxWaitDuration + TimeSpan.FromSeconds(1) })
        {
            var options = new TaskAppOptions { WorkerResultStoreRetryTime = refused };
            Assert.Contains("WorkerResultStoreRetryTime", Assert.Throws<TaskAppConfigurationException>(options.Validate).Message, StringComparison.Ordinal);
        }

        Assert.Null(Record.Exception(new TaskAppOptions { WorkerResultStoreRetryTime = TimeSpan.Zero }.Validate));
    }
}
