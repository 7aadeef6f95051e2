using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using TaskGen.Hosting;

namespace TaskGen.Tests.Hosting;

/// <summary>Durations the runtime cannot wait on, and limits that cannot work, are refused at startup naming the option and its range.</summary>
public sealed class TaskAppOptionsLimitsTests
{
    [Theory]
    [InlineData("4320000")]          // 50 days, in seconds
    [InlineData("60.00:00:00")]
    public void WorkerShutdownTimeoutBeyondWhatATimerWaitsIsRefusedNamingTheMaximum(string value)
    {
        TaskAppOptions options = BindFrom("WorkerShutdownTimeout", value);

        TaskAppConfigurationException refused = Assert.Throws<TaskAppConfigurationException>(options.Validate);

        Assert.Contains("WorkerShutdownTimeout", refused.Message, StringComparison.Ordinal);
        Assert.Contains(TaskAppOptions.MaxWaitDuration.ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRefusedSettingIsNamedInOneStart()
    {
        var options = new TaskAppOptions
        {
            WorkerPrefetchMultiplier = 0,
            TaskSerializer = "pickle",
            ResultBackend = "sentinel://:s3cret@a:26379/0",
            ResultExpires = TimeSpan.Zero,
        };

        string message = Assert.Throws<TaskAppConfigurationException>(options.Validate).Message;

        Assert.StartsWith("4 settings are refused:", message, StringComparison.Ordinal);
        foreach (string setting in new[] { "WorkerPrefetchMultiplier", "TaskSerializer", "ResultBackendMasterName", "ResultExpires" })
        {
            Assert.Contains(setting, message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("s3cret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerShutdownTimeoutNegativeIsRefused()
    {
        var options = new TaskAppOptions { WorkerShutdownTimeout = TimeSpan.FromSeconds(-1) };

        Assert.Contains("WorkerShutdownTimeout", Assert.Throws<TaskAppConfigurationException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerShutdownTimeoutAtTheMaximumIsAccepted()
    {
        Assert.Null(Record.Exception(new TaskAppOptions { WorkerShutdownTimeout = TaskAppOptions.MaxWaitDuration }.Validate));
        Assert.Null(Record.Exception(new TaskAppOptions { WorkerShutdownTimeout = TimeSpan.Zero }.Validate));
    }

    [Theory]
    [InlineData("ResultExpires")]
    [InlineData("WorkerMaxResultSize")]
    [InlineData("WorkerMaxHoldTime")]
    public void ZeroForASettingThatMustBePositiveIsRefusedNamingIt(string setting)
    {
        TaskAppOptions options = BindFrom(setting, "0");

        Assert.Contains(setting, Assert.Throws<TaskAppConfigurationException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerMaxHoldTimeDefaultsToHalfTheBrokersConsumerTimeoutAndReadsSeconds()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), new TaskAppOptions().WorkerMaxHoldTime);
        Assert.Equal(TimeSpan.FromSeconds(90), BindFrom("WorkerMaxHoldTime", "90").WorkerMaxHoldTime);
        Assert.Equal(TimeSpan.FromMinutes(10), BindFrom("WorkerMaxHoldTime", "00:10:00").WorkerMaxHoldTime);
        Assert.Contains("WorkerMaxHoldTime", Assert.Throws<TaskAppConfigurationException>(BindFrom("WorkerMaxHoldTime", "60.00:00:00").Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProducerMaxPendingPublishesIsBoundAndMustBePositive()
    {
        Assert.Equal(250, BindFrom("ProducerMaxPendingPublishes", "250").ProducerMaxPendingPublishes);

        TaskAppOptions options = BindFrom("ProducerMaxPendingPublishes", "0");
        Assert.Contains("ProducerMaxPendingPublishes", Assert.Throws<TaskAppConfigurationException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatingAnAppWithAnAbsurdShutdownTimeoutFails()
    {
        Assert.Throws<TaskAppConfigurationException>(() => TaskApp.Create(b => b.Options.WorkerShutdownTimeout = TimeSpan.FromDays(60)));
    }

    private static TaskAppOptions BindFrom(string setting, string value)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:" + setting] = value })
            .Build();
        var options = new TaskAppOptions();
        TaskAppConfiguration.Bind(configuration, options);
        return options;
    }
}
