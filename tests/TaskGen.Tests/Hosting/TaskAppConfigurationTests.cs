using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Configuration;
using TaskGen.Hosting;

namespace TaskGen.Tests.Hosting;

/// <summary>
/// Binding <see cref="TaskAppOptions"/> by hand from configuration: every setting by its name, Celery's
/// seconds for durations, lists and routes in both shapes, errors that name the key and never the broker
/// password, and the appsettings → environment layering of <see cref="TaskAppConfiguration.Load"/>.
/// </summary>
public sealed class TaskAppConfigurationTests
{
    private const string Password = "s3cr3t-Pa55";

    [Fact]
    public void BindEveryOptionIsReadFromItsName()
    {
        TaskAppOptions options = BindFrom(new()
        {
            ["TaskGen:BrokerUrl"] = "amqp://guest:guest@rabbit:5672/vh",
            ["TaskGen:BrokerTlsCaCertificate"] = "certs/broker-ca.pem",
            ["TaskGen:ResultBackend"] = "none",
            ["TaskGen:TaskSerializer"] = "application/json",
            ["TaskGen:ResultSerializer"] = "application/json",
            ["TaskGen:AcceptContent:0"] = "application/json",
            ["TaskGen:ResultExpires"] = "3600",
            ["TaskGen:Timezone"] = "utc",
            ["TaskGen:WorkerPrefetchMultiplier"] = "7",
            ["TaskGen:WorkerEtaTaskLimit"] = "250",
            ["TaskGen:TaskAcksLate"] = "false",
            ["TaskGen:TaskDefaultQueue"] = "default-q",
            ["TaskGen:TaskDefaultQueueType"] = "quorum",
            ["TaskGen:TaskRoutes:tasks.add"] = "math",
            ["TaskGen:TaskCreateMissingQueues"] = "true",
            ["TaskGen:WorkerShutdownTimeout"] = "00:02:00",
            ["TaskGen:WorkerMaxBodySize"] = "4096",
            ["TaskGen:WorkerMaxResultSize"] = "8192",
            ["TaskGen:WorkerConfirmResults"] = "true",
            ["TaskGen:TaskAcksOnFailureOrTimeout"] = "false",
            ["TaskGen:TaskRejectOnWorkerLost"] = "true",
            ["TaskGen:DeadLetterQueue"] = "graveyard",
            ["TaskGen:TaskSendSentEvent"] = "true",
        });

        Assert.Equal("amqp://guest:guest@rabbit:5672/vh", options.BrokerUrl);
        Assert.Equal("certs/broker-ca.pem", options.BrokerTlsCaCertificate);
        Assert.Equal("none", options.ResultBackend);
        Assert.Equal("application/json", options.TaskSerializer);
        Assert.Equal("application/json", options.ResultSerializer);
        Assert.Equal(["application/json"], options.AcceptContent);
        Assert.Equal(TimeSpan.FromHours(1), options.ResultExpires);
        Assert.Equal("utc", options.Timezone);
        Assert.Equal(7, options.WorkerPrefetchMultiplier);
        Assert.Equal(250, options.WorkerEtaTaskLimit);
        Assert.False(options.TaskAcksLate);
        Assert.Equal("default-q", options.TaskDefaultQueue);
        Assert.Equal(QueueType.Quorum, options.TaskDefaultQueueType);
        Assert.Equal("math", Assert.Contains("tasks.add", options.TaskRoutes));
        Assert.True(options.TaskCreateMissingQueues);
        Assert.Equal(TimeSpan.FromMinutes(2), options.WorkerShutdownTimeout);
        Assert.Equal(4096, options.WorkerMaxBodySize);
        Assert.Equal(8192, options.WorkerMaxResultSize);
        Assert.True(options.WorkerConfirmResults);
        Assert.False(options.TaskAcksOnFailureOrTimeout);
        Assert.True(options.TaskRejectOnWorkerLost);
        Assert.Equal("graveyard", options.DeadLetterQueue);
        Assert.True(options.TaskSendSentEvent);
        Assert.Null(Record.Exception(options.Validate));
    }

    [Fact]
    public void BindBrokerTlsCaCertificateIsUnsetUnlessConfigured()
    {
        Assert.Null(BindFrom(new() { ["TaskGen:BrokerUrl"] = "amqps://rabbit/" }).BrokerTlsCaCertificate);
        Assert.Equal("ca/private.pem", BindFrom(new() { ["taskgen:brokertlscacertificate"] = "ca/private.pem" }).BrokerTlsCaCertificate);
    }

    [Fact]
    public void BindResultBackendTlsSettingsAreReadFromTheirNames()
    {
        TaskAppOptions options = BindFrom(new()
        {
            ["TaskGen:ResultBackend"] = "sentinel://:pw@127.0.0.1:26379/0;sentinel://:pw@127.0.0.1:26380/0",
            ["TaskGen:ResultBackendMasterName"] = "results",
            ["TaskGen:ResultBackendUseTls"] = "true",
            ["TaskGen:ResultBackendTlsCaCertificate"] = "certs/redis-ca.pem",
        });

        Assert.True(options.ResultBackendUseTls);
        Assert.Equal("certs/redis-ca.pem", options.ResultBackendTlsCaCertificate);
        Assert.Null(Record.Exception(options.Validate));
        Assert.False(BindFrom(new() { ["TaskGen:ResultBackend"] = "redis://cache/0" }).ResultBackendUseTls);
        Assert.Null(BindFrom(new() { ["TaskGen:ResultBackend"] = "rediss://cache/0" }).ResultBackendTlsCaCertificate);
    }

    [Fact]
    public void BindKeysInAnyCaseAreTheSameSetting()
    {
        TaskAppOptions options = BindFrom(new()
        {
            ["taskgen:workerprefetchmultiplier"] = "5",
            ["TASKGEN:TASKACKSLATE"] = "False",
        });

        Assert.Equal(5, options.WorkerPrefetchMultiplier);
        Assert.False(options.TaskAcksLate);
    }

    [Fact]
    public void BindUnsetValuesAreLeftAlone()
    {
        var options = new TaskAppOptions
        {
            BrokerUrl = "memory://set-in-code",
            WorkerPrefetchMultiplier = 3,
            ResultExpires = TimeSpan.FromMinutes(9),
            AcceptContent = ["application/json"],
            TaskAcksLate = false,
        };
        options.TaskRoutes["from.code"] = "code-q";

        TaskAppConfiguration.Bind(Configuration(new() { ["TaskGen:TaskDefaultQueue"] = "bound", ["Other:BrokerUrl"] = "memory://elsewhere" }), options);

        Assert.Equal("bound", options.TaskDefaultQueue);
        Assert.Equal("memory://set-in-code", options.BrokerUrl);
        Assert.Equal(3, options.WorkerPrefetchMultiplier);
        Assert.Equal(TimeSpan.FromMinutes(9), options.ResultExpires);
        Assert.Equal(["application/json"], options.AcceptContent);
        Assert.False(options.TaskAcksLate);
        Assert.Equal("code-q", Assert.Contains("from.code", options.TaskRoutes));
    }

    [Theory]
    [InlineData("86400", 86_400_000)]
    [InlineData("0.5", 500)]
    [InlineData("0", 0)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData("00:00:30", 30_000)]
    [InlineData("00:01:00.250", 60_250)]
    public void BindDurationsAcceptSecondsOrTimeSpanText(string text, long milliseconds)
    {
        TaskAppOptions options = BindFrom(new()
        {
            ["TaskGen:ResultExpires"] = text,
            ["TaskGen:WorkerShutdownTimeout"] = text,
        });

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.ResultExpires);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.WorkerShutdownTimeout);
    }

    [Theory]
    [InlineData("ResultExpires", "a day")]
    [InlineData("ResultExpires", "-5")]
    [InlineData("WorkerShutdownTimeout", "-00:00:01")]
    [InlineData("WorkerShutdownTimeout", "1e300")]
    public void BindBadDurationThrowsNamingTheKeyAndValue(string key, string value)
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new() { ["TaskGen:" + key] = value }));

        Assert.Contains("TaskGen:" + key, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindAcceptContentArrayKeepsEveryItemInOrder()
    {
        TaskAppOptions options = BindFrom(new()
        {
            ["TaskGen:AcceptContent:0"] = "json",
            ["TaskGen:AcceptContent:1"] = "application/json",
            ["TaskGen:AcceptContent:2"] = "JSON",
        });

        Assert.Equal(["json", "application/json", "JSON"], options.AcceptContent);
    }

    [Fact]
    public void BindAcceptContentCommaListIsSplitAndTrimmed()
    {
        TaskAppOptions options = BindFrom(new() { ["TaskGen:AcceptContent"] = " json, application/json ,," });

        Assert.Equal(["json", "application/json"], options.AcceptContent);
    }

    [Fact]
    public void BindAcceptContentEmptyThrowsRatherThanAcceptingNothing()
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new() { ["TaskGen:AcceptContent"] = " , " }));

        Assert.Contains("TaskGen:AcceptContent", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindTaskRoutesKeepDottedAndGlobKeysWhole()
    {
        var options = new TaskAppOptions();
        options.TaskRoutes["from.code"] = "code-q";

        TaskAppConfiguration.Bind(
            Configuration(new()
            {
                ["TaskGen:TaskRoutes:CeleryApp.Tasks.*"] = "calc",
                ["TaskGen:TaskRoutes:proj.tasks.add"] = "math",
                ["TaskGen:TaskRoutes:feed.tasks.import_feed:Queue"] = "feeds",
            }),
            options);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["CeleryApp.Tasks.*"] = "calc",
                ["proj.tasks.add"] = "math",
                ["feed.tasks.import_feed"] = "feeds",
                ["from.code"] = "code-q",
            },
            options.TaskRoutes);
    }

    [Fact]
    public void BindTaskRouteWithoutQueueThrowsNamingTheRoute()
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new() { ["TaskGen:TaskRoutes:tasks.*:Exchange"] = "x" }));

        Assert.Contains("TaskGen:TaskRoutes:tasks.*", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TaskAcksLate", "yes")]
    [InlineData("TaskCreateMissingQueues", "1")]
    [InlineData("WorkerEtaTaskLimit", "four")]
    [InlineData("WorkerPrefetchMultiplier", "1.5")]
    [InlineData("WorkerMaxBodySize", "99999999999")]
    [InlineData("WorkerMaxBodySize", "")]
    [InlineData("WorkerConfirmResults", "on")]
    [InlineData("ResultBackendUseTls", "yes")]
    [InlineData("TaskSendSentEvent", "sometimes")]
    public void BindBadBoolOrNumberThrowsNamingTheKeyAndValue(string key, string value)
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new() { ["TaskGen:" + key] = value }));

        Assert.Contains("TaskGen:" + key, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindSettingsThatMovedToEachWorkerAreRefusedSayingWhereTheyWent()
    {
        // Either would otherwise be dropped without a word, leaving every worker at its default.
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new()
        {
            ["taskgen:workerconcurrency"] = "8",
            ["TaskGen:WorkerSendTaskEvents"] = "true",
        }));

        Assert.Contains("TaskGen:WorkerConcurrency moved to TaskGen:Workers:<name>:Concurrency (or the worker command's -c)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TaskGen:WorkerSendTaskEvents moved to TaskGen:Workers:<name>:SendTaskEvents (or the worker command's -E)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindBadValueNextToBrokerPasswordDoesNotShowThePassword()
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new()
        {
            ["TaskGen:BrokerUrl"] = $"amqp://worker:{Password}@rabbit:5672/prod",
            ["TaskGen:WorkerPrefetchMultiplier"] = "lots",
        }));

        Assert.Contains("lots", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindBrokerUrlUnderTheWrongKeyShowsItRedacted()
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => BindFrom(new()
        {
            ["TaskGen:WorkerMaxBodySize"] = $"amqp://worker:{Password}@rabbit:5672/prod",
        }));

        Assert.Contains("amqp://worker:***@rabbit:5672/prod", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindPickleSerializerIsRefusedByValidate()
    {
        TaskAppOptions options = BindFrom(new() { ["TaskGen:TaskSerializer"] = "pickle" });

        var ex = Assert.Throws<TaskAppConfigurationException>(options.Validate);

        Assert.Contains("pickle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TaskSerializer", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://user:secret@host:5672/vh", "amqp://user:***@host:5672/vh")]
    [InlineData("amqps://user:secret@host/", "amqps://user:***@host/")]
    [InlineData("amqp://user:p@ss/w?rd@host:5672/vh", "amqp://user:***@host:5672/vh")]
    [InlineData("amqp://user@host:5672/vh", "amqp://user@host:5672/vh")]
    [InlineData("amqp://user:@host:5672/vh", "amqp://user:@host:5672/vh")]
    [InlineData("amqp://host:5672/vh", "amqp://host:5672/vh")]
    [InlineData("memory://", "memory://")]
    [InlineData("memory://tests", "memory://tests")]
    public void RedactUrlHidesOnlyThePassword(string url, string expected)
    {
        Assert.Equal(expected, TaskGen.Transport.BrokerUrls.Redact(url));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a url secret")]
    [InlineData("user:secret@host")]
    [InlineData("://user:secret@host")]
    [InlineData("amqp://user:secret@[::1")]
    public void RedactUrlGarbageGivesAPlaceholderWithoutEchoingIt(string url)
    {
        string shown = TaskGen.Transport.BrokerUrls.Redact(url);

        Assert.DoesNotContain("secret", shown, StringComparison.Ordinal);
        Assert.NotEqual(url, shown);
        Assert.Contains("unparseable", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAppSettingsThenEnvironmentFileThenEnvironmentVariables()
    {
        // The only test that sets environment variables; tests in one class never run in parallel, and no
        // other class reads these two.
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """
            {
              "TaskGen": {
                "BrokerUrl": "amqp://from-file:5672/",
                "TaskDefaultQueue": "from-file",
                "WorkerPrefetchMultiplier": 2
              }
            }
            """);
        folder.Write("appsettings.TaskGenConfigTest.json", """{ "TaskGen": { "WorkerPrefetchMultiplier": 9 } }""");

        string? oldBroker = Environment.GetEnvironmentVariable("TaskGen__BrokerUrl");
        string? oldEnvironment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
        TaskAppOptions options = new();
        try
        {
            Environment.SetEnvironmentVariable("TaskGen__BrokerUrl", "amqp://from-env:5672/");
            Environment.SetEnvironmentVariable("DOTNET_ENVIRONMENT", "TaskGenConfigTest");
            TaskAppConfiguration.Bind(TaskAppConfiguration.Load(basePath: folder.Path), options);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TaskGen__BrokerUrl", oldBroker);
            Environment.SetEnvironmentVariable("DOTNET_ENVIRONMENT", oldEnvironment);
        }

        Assert.Equal("amqp://from-env:5672/", options.BrokerUrl);
        Assert.Equal(9, options.WorkerPrefetchMultiplier);
        Assert.Equal("from-file", options.TaskDefaultQueue);
    }

    [Fact]
    public void LoadJsonNumbersArraysAndRoutesBindAsCeleryWritesThem()
    {
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """
            {
              "TaskGen": {
                "ResultExpires": 86400,
                "AcceptContent": ["json", "application/json"],
                "TaskAcksLate": false,
                "TaskRoutes": { "CeleryApp.Tasks.*": "calc" }
              }
            }
            """);
        var options = new TaskAppOptions { ResultExpires = TimeSpan.Zero };

        TaskAppConfiguration.Bind(TaskAppConfiguration.Load(basePath: folder.Path), options);

        Assert.Equal(TimeSpan.FromDays(1), options.ResultExpires);
        Assert.Equal(["json", "application/json"], options.AcceptContent);
        Assert.False(options.TaskAcksLate);
        Assert.Equal("calc", Assert.Contains("CeleryApp.Tasks.*", options.TaskRoutes));
    }

    [Fact]
    public void LoadTaskGenArgumentsOverrideTheFileAndOthersAreIgnored()
    {
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """{ "TaskGen": { "TaskDefaultQueue": "from-file", "WorkerPrefetchMultiplier": 2 } }""");
        var options = new TaskAppOptions();

        IConfiguration configuration = TaskAppConfiguration.Load(
            ["worker", "-Q", "a,b", "--TaskGen:TaskDefaultQueue=from-args", "--TaskGen__WorkerPrefetchMultiplier", "6", "--broker", "memory://x"],
            folder.Path);
        TaskAppConfiguration.Bind(configuration, options);

        Assert.Equal("from-args", options.TaskDefaultQueue);
        Assert.Equal(6, options.WorkerPrefetchMultiplier);
        Assert.Null(configuration["broker"]);
    }

    [Fact]
    public void LoadMissingFolderIsAnEmptySection()
    {
        string missing = Path.Combine(Path.GetTempPath(), "taskgen-missing-" + Guid.NewGuid().ToString("N"));

        IConfiguration configuration = TaskAppConfiguration.Load(basePath: missing);

        Assert.Null(configuration["TaskGen:TaskDefaultQueue"]);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static TaskAppOptions BindFrom(Dictionary<string, string?> values)
    {
        var options = new TaskAppOptions();
        TaskAppConfiguration.Bind(Configuration(values), options);
        return options;
    }

    private sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "taskgen-config-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Write(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
