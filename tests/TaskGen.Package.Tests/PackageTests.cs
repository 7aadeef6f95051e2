using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace TaskGen.Package.Tests;

/// <summary>
/// Builds a fresh project from each combination of the packages, TaskGen alone and TaskGen with TaskGen.Redis, so a
/// file missing from lib/ or analyzers/dotnet/cs, or a dependency missing between the two, is caught: the stubs must be
/// generated, the analyzers must report, and a Redis backend must work with its package and be refused without it.
/// </summary>
public sealed class PackageTests(PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackedFeed>, IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgen-package-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task AFreshProjectGetsStubsAndDiagnosticsFromOnePackageReference()
    {
        string app = await CreateAppAsync("app", "TaskGen");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System;
            using Shop.Remote;
            using TaskGen;

            await using TaskApp app = TaskApp.Configure(b => b.AddAppTasks());
            await using var worker = app.CreateWorker();
            await worker.StartAsync();
            Console.WriteLine("sum=" + await Cart.Total.Delay(40, 2));
            Console.WriteLine("area-queue=" + Cart.Area.Descriptor.QueueDeclaration?.Name);

            // Redis ships in its own package: without it a redis:// backend is refused, saying what to add.
            try
            {
                await using TaskApp redis = TaskApp.Create(b => b.Options.ResultBackend = "redis://:s3cret@127.0.0.1:1/0");
                Console.WriteLine("redis accepted");
            }
            catch (TaskAppConfigurationException refused)
            {
                Console.WriteLine("refused: " + refused.Message);
            }
            """);

        (int built, string buildLog) = await RunAsync(app, "run", "--project", Path.Combine(app, "App.csproj"));
        Assert.True(built == 0, buildLog);
        Assert.Contains("sum=42", buildLog, StringComparison.Ordinal);
        Assert.Contains("area-queue=calc", buildLog, StringComparison.Ordinal);
        Assert.Contains("refused: ResultBackend 'redis://:***@127.0.0.1:1/0' needs the TaskGen.Redis package: add it and call AddRedisResults()", buildLog, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", buildLog, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(app, "bin", "Debug", "net10.0", "StackExchange.Redis.dll")), "the core package brought StackExchange.Redis");

        // The analyzers travel in the same package: a task mistake fails the build with its ID and location.
        await File.WriteAllTextAsync(Path.Combine(app, "Broken.cs"), """
            using TaskGen;

            namespace Shop;

            public class Broken
            {
                [Task]
                public int NotStatic(int x) => x;
            }

            public static class Schedules
            {
                public static TaskGen.Scheduling.Schedule Nightly() => TaskGen.Scheduling.Schedule.Cron("0 25 * * *");
            }
            """);
        (int failed, string failLog) = await RunAsync(app, "build", Path.Combine(app, "App.csproj"));
        Assert.NotEqual(0, failed);
        Assert.Contains("Broken.cs(8,16): error TG0001", failLog, StringComparison.Ordinal);

        // The cron rule runs Cronos inside the compiler: it loads from beside the analyzer, in the same package folder.
        Assert.Contains("Broken.cs(13,93): error TG0501: Cron expression \"0 25 * * *\" does not parse: Hours:", failLog, StringComparison.Ordinal);
        Assert.DoesNotContain("AD0001", failLog, StringComparison.Ordinal);
        Assert.DoesNotContain("CS8032", failLog, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TaskGen")]
    [InlineData("TaskGen.Redis")]
    public void EachPackageCarriesItsLicenceReadmeRepositoryAndSymbols(string package)
    {
        string nupkg = Path.Combine(feed.Directory, $"{package}.{feed.Version}.nupkg");
        using ZipArchive archive = ZipFile.OpenRead(nupkg);
        ZipArchiveEntry nuspecEntry = archive.GetEntry($"{package}.nuspec") ?? throw new InvalidOperationException($"{nupkg} has no nuspec.");
        using Stream stream = nuspecEntry.Open();
        XElement metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        XElement license = metadata.Elements().Single(e => e.Name.LocalName == "license");

        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Field("readme"));
        Assert.NotNull(archive.GetEntry("README.md"));
        string repository = metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value;
        Assert.StartsWith("https://", repository, StringComparison.Ordinal);
        Assert.Equal(repository, Field("projectUrl"));
        Assert.True(File.Exists(Path.Combine(feed.Directory, $"{package}.{feed.Version}.snupkg")), $"{package} was packed without its symbols package.");

        // The licence file at the root is the one the expression names.
        Assert.StartsWith("MIT License", File.ReadAllText(Path.Combine(PackedFeed.FindRoot(), "LICENSE")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFreshProjectWithTheRedisPackageAcceptsARedisBackend()
    {
        // A real round trip through Redis when the test run has one (CI starts it); otherwise the app is only built,
        // which dials nothing, since Redis is dialled on first use.
        string? redisUrl = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_URL");
        string app = await CreateAppAsync("redis-app", "TaskGen", "TaskGen.Redis");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System;
            using Microsoft.Extensions.DependencyInjection;
            using Shop.Remote;
            using TaskGen;

            string? url = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_URL");
            await using TaskApp app = TaskApp.Configure(b =>
            {
                b.Options.ResultBackend = url ?? "redis://127.0.0.1:1/0";
                b.AddRedisResults().AddAppTasks();
            });
            Console.WriteLine("built on " + (url is null ? "redis" : "a real redis"));
            if (url is not null)
            {
                await using var worker = app.CreateWorker();
                await worker.StartAsync();
                Console.WriteLine("sum=" + await Cart.Total.Delay(40, 2));
            }

            // The host's chain reaches the same backend.
            await using ServiceProvider services = new ServiceCollection()
                .AddTaskGen(o => o.ResultBackend = "redis://127.0.0.1:1/0")
                .AddRedisResults()
                .Services.BuildServiceProvider();
            Console.WriteLine("host built: " + (services.GetRequiredService<TaskApp>() is not null));
            """);

        // The app reads the same variable, inherited, so that the password stays off its command line.
        (int built, string log) = await RunAsync(app, "run", "--project", Path.Combine(app, "App.csproj"));
        Assert.True(built == 0, log);
        Assert.Contains("host built: True", log, StringComparison.Ordinal);
        if (redisUrl is null)
        {
            Assert.Contains("built on redis", log, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("built on a real redis", log, StringComparison.Ordinal);
            Assert.Contains("sum=42", log, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Writes a project referencing <paramref name="packages"/> from the shared feed, with one task.</summary>
    private async Task<string> CreateAppAsync(string name, params string[] packages)
    {
        string app = Path.Combine(_work, name);
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed.Directory}" />
              </packageSources>
            </configuration>
            """);
        string references = string.Concat(Array.ConvertAll(packages, p => $"""
                <PackageReference Include="{p}" Version="{feed.Version}" />

            """));
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NoWarn>NU1603;NU1608</NoWarn>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Cart.cs"), """
            using System.Collections.Generic;
            using TaskGen;

            [assembly: TaskQueue("calc")]

            namespace Shop;

            public static class Cart
            {
                [Task]
                public static int Total(int a, int b) => a + b;

                // A declared queue and a list: the generated descriptor and codec use what the package makes public.
                [Task(Queue = "calc")]
                public static double Area(List<double> sides, double scale = 1) => sides[0] * sides[1] * scale;
            }
            """);
        return app;
    }

    private Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments) => Dotnet.RunAsync(directory, output.WriteLine, arguments);
}

/// <summary>Both packages, packed once per test run into one local feed at one test version, for every fresh project.</summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgen-feed-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The folder the packages are in.</summary>
    public string Directory => Path.Combine(_work, "feed");

    /// <summary>The version both packages carry, unique to this run so that no cached package answers for it.</summary>
    public string Version { get; } = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.ProcessId;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string root = FindRoot();

        // TaskGen.Redis depends on TaskGen at the version it is packed with, so both are packed at one version.
        foreach (string project in new[] { Path.Combine(root, "src", "TaskGen", "TaskGen.csproj"), Path.Combine(root, "src", "TaskGen.Redis", "TaskGen.Redis.csproj") })
        {
            (int packed, string log) = await Dotnet.RunAsync(root, _ => { }, "pack", project, "-c", "Release", "-o", Directory, $"-p:Version={Version}");
            Assert.True(packed == 0, log);
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>The repository's root: the folder above the test binaries that holds TaskGen.sln.</summary>
    internal static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TaskGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TaskGen.sln was not found above the test binaries.");
    }
}

/// <summary>Runs the dotnet command line and keeps what it printed.</summary>
internal static class Dotnet
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string directory, Action<string> log, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string text = await stdout + await stderr;
        log($"dotnet {string.Join(' ', arguments)} -> {process.ExitCode}\n{text}");
        return (process.ExitCode, text);
    }
}
