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
/// generated, the analyzers must report, and a Redis backend must work with its package and be refused without it; and a
/// project installed as the Install section says runs a task on the broker while its test project passes a harness test.
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
    [InlineData("TaskGen.Testing")]
    [InlineData("TaskGen.Monitor")]
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

    [Fact]
    public async Task AWebAppWithTheMonitorPackageServesItsPagesAssetsAndApiFromThePackageAlone()
    {
        // Everything the monitor serves is inside its assembly: a fresh web app that adds the package and nothing else
        // gets the pages, their stylesheet and script, and Flower's API, with no internet.
        string app = await CreateAppAsync("monitor-app", "TaskGen", "TaskGen.Monitor");
        string project = await File.ReadAllTextAsync(Path.Combine(app, "App.csproj"));
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), project.Replace("<Project Sdk=\"Microsoft.NET.Sdk\">", "<Project Sdk=\"Microsoft.NET.Sdk.Web\">", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Linq;
            using System.Net.Http;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Hosting;
            using Microsoft.AspNetCore.Hosting.Server;
            using Microsoft.AspNetCore.Hosting.Server.Features;
            using Microsoft.Extensions.DependencyInjection;
            using TaskGen;
            using TaskGen.Monitor;

            WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddTaskGen(o => o.BrokerUrl = "memory://", b => b.AddAppTasks());
            builder.Services.AddTaskGenMonitor();
            WebApplication web = builder.Build();
            web.MapTaskGenMonitor("/monitor");
            await web.StartAsync();
            string address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            foreach (string path in new[] { "/monitor/workers", "/monitor/assets/monitor.css", "/monitor/assets/monitor.js", "/monitor/api/workers", "/monitor/apply/Shop.Cart.Total" })
            {
                using HttpResponseMessage response = await http.GetAsync(path);
                string body = await response.Content.ReadAsStringAsync();
                Console.WriteLine($"{path} {(int)response.StatusCode} {body.Length} {(body.Contains("arg-a", StringComparison.Ordinal) ? "typed" : "-")}");
            }

            await web.StopAsync();
            """);

        (int ran, string log) = await RunAsync(app, "run", "--project", Path.Combine(app, "App.csproj"));

        Assert.True(ran == 0, log);
        Assert.Matches(@"/monitor/workers 200 [1-9]\d{2,} -", log);
        Assert.Matches(@"/monitor/assets/monitor.css 200 [1-9]\d{2,} -", log);
        Assert.Matches(@"/monitor/assets/monitor.js 200 [1-9]\d{2,} -", log);
        Assert.Matches(@"/monitor/api/workers 200 \d+ -", log);

        // The apply form's fields come from the task's compiled signature, through the packaged generator.
        Assert.Matches(@"/monitor/apply/Shop.Cart.Total 200 \d+ typed", log);
    }

    [Fact]
    public void TheTestingPackageBringsTaskGenWithItsGenerator()
    {
        // NuGet leaves a dependency's analyzers behind unless told otherwise; a test project that references
        // TaskGen.Testing alone needs the generator for the tasks and fakes it declares.
        string nupkg = Path.Combine(feed.Directory, $"TaskGen.Testing.{feed.Version}.nupkg");
        using ZipArchive archive = ZipFile.OpenRead(nupkg);
        using Stream stream = archive.GetEntry("TaskGen.Testing.nuspec")!.Open();
        XElement dependency = XDocument.Load(stream).Descendants().Single(e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == "TaskGen");

        Assert.Equal(feed.Version, dependency.Attribute("version")?.Value);
        string exclude = dependency.Attribute("exclude")?.Value ?? string.Empty;
        Assert.DoesNotContain("Analyzers", exclude, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Build", exclude, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AProjectInstalledAsTheInstallSectionSaysRunsATaskOnTheBrokerAndPassesItsHarnessTest()
    {
        // The Install section's steps, word for word but for the feed folder and the version: a nuget.config, the
        // local feed as a source, `dotnet add package`, then a task, a worker program and a test project.
        string solution = Path.Combine(_work, "install");
        Directory.CreateDirectory(solution);
        await Succeeds(solution, "new", "nuget.config");
        await Succeeds(solution, "nuget", "add", "source", feed.Directory, "--name", "taskgen", "--configfile", "nuget.config");

        string queue = "install-" + Guid.NewGuid().ToString("N")[..8];
        string shop = Path.Combine(solution, "Shop");
        await Succeeds(solution, "new", "console", "--output", "Shop", "--framework", "net10.0");
        await Succeeds(shop, "add", "package", "TaskGen", "--version", feed.Version);
        File.Delete(Path.Combine(shop, "Program.cs"));
        await File.WriteAllTextAsync(Path.Combine(shop, "Geometry.cs"), $$"""
            using TaskGen;

            // A queue of this run's own, so that nothing else on the shared test broker takes its messages.
            [assembly: TaskQueue("{{queue}}")]

            namespace Shop;

            public static class Geometry
            {
                [Task(Queue = "{{queue}}")]
                public static double RectArea(double w, double h) => w * h;
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(shop, "Program.cs"), """
            using System;
            using Shop.Remote;
            using TaskGen;

            // `send` calls the task through its stub; everything else is the TaskGen command line (worker, call, ...).
            if (args is ["send"])
            {
                await using TaskApp app = TaskApp.Configure(b =>
                {
                    b.Options.BrokerUrl = Environment.GetEnvironmentVariable("TaskGen__BrokerUrl")!;
                    b.AddShopTasks();
                });
                Console.WriteLine("area=" + await Geometry.RectArea.Delay(2, 3).GetAsync(TimeSpan.FromSeconds(60)));
                return 0;
            }

            return await TaskApp.RunAsync(args, app => app.AddShopTasks());
            """);
        await Succeeds(shop, "build");

        string tests = Path.Combine(solution, "Shop.Tests");
        Directory.CreateDirectory(tests);
        await File.WriteAllTextAsync(Path.Combine(tests, "Shop.Tests.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NoWarn>NU1603;NU1608</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="../Shop/Shop.csproj" />
              </ItemGroup>
            </Project>
            """);
        await Succeeds(tests, "add", "package", "TaskGen.Testing", "--version", feed.Version);
        await File.WriteAllTextAsync(Path.Combine(tests, "GeometryTests.cs"), """
            using Shop.Remote;
            using TaskGen;
            using TaskGen.Testing;
            using Xunit;

            namespace ShopTests;

            public static class Fakes
            {
                // A task declared in the test project itself: its stub exists only if the generator came with TaskGen.Testing.
                [Task]
                public static string Echo(string text) => text;
            }

            public class GeometryTests
            {
                [Fact]
                public async Task RectAreaIsSentAndRuns()
                {
                    await using var harness = await TaskHarness.StartAsync(b => b.AddShopTasks().AddShopTestsTasks());

                    double area = await Geometry.RectArea.Delay(2, 3).GetAsync(TimeSpan.FromSeconds(30));

                    Assert.Equal(6, area);
                    harness.AssertSent(Geometry.RectArea.Signature(2, 3));
                    Assert.Equal("hi", await ShopTests.Remote.Fakes.Echo.Delay("hi").GetAsync(TimeSpan.FromSeconds(30)));
                }
            }
            """);
        (int tested, string testLog) = await RunAsync(tests, "test");
        Assert.True(tested == 0, testLog);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+1,", testLog);

        // The worker on the real broker, and a send through the stub that waits for its result.
        // The round trip is what the Install section promises, so a missing broker fails this test rather than skipping it.
        string? broker = Environment.GetEnvironmentVariable("TASKGEN_TEST_BROKER_URL");
        Assert.False(string.IsNullOrWhiteSpace(broker), "TASKGEN_TEST_BROKER_URL is not set: this test runs a worker on RabbitMQ (run ./test.sh, which starts one).");

        string program = Path.Combine(shop, "bin", "Debug", "net10.0", "Shop.dll");
        await using var worker = await BackgroundProcess.StartAsync(shop, broker, program, "worker", "-Q", queue, "-c", "1");
        await worker.WaitForAsync("ready", TimeSpan.FromSeconds(90));
        (int sent, string sendLog) = await RunWithBrokerAsync(shop, broker, program, "send");
        Assert.True(sent == 0, sendLog + "\nworker:\n" + worker.Output);
        Assert.Contains("area=6", sendLog, StringComparison.Ordinal);
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

    private async Task Succeeds(string directory, params string[] arguments)
    {
        (int exitCode, string log) = await RunAsync(directory, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}:\n{log}");
    }

    private async Task<(int ExitCode, string Output)> RunWithBrokerAsync(string directory, string broker, params string[] arguments)
    {
        await using var process = await BackgroundProcess.StartAsync(directory, broker, arguments);
        (int exitCode, string text) = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"dotnet {string.Join(' ', arguments)} -> {exitCode}\n{text}");
        return (exitCode, text);
    }

    private Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments) => Dotnet.RunAsync(directory, output.WriteLine, arguments);
}

/// <summary>The packages, packed once per test run into one local feed at one test version, for every fresh project.</summary>
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

        // TaskGen.Redis, TaskGen.Testing and TaskGen.Monitor depend on TaskGen at the version they are packed with, so all are packed at one version.
        foreach (string project in new[] { Path.Combine(root, "src", "TaskGen", "TaskGen.csproj"), Path.Combine(root, "src", "TaskGen.Redis", "TaskGen.Redis.csproj"), Path.Combine(root, "src", "TaskGen.Testing", "TaskGen.Testing.csproj"), Path.Combine(root, "src", "TaskGen.Monitor", "TaskGen.Monitor.csproj") })
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

/// <summary>A dotnet program run with the broker in its environment (never on its command line, which may be listed), its output kept.</summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();
    private readonly object _gate = new();

    private BackgroundProcess(Process process) => _process = process;

    /// <summary>Everything the program printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<BackgroundProcess> StartAsync(string directory, string broker, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["TaskGen__BrokerUrl"] = broker;
        var process = new Process { StartInfo = start };
        var running = new BackgroundProcess(process);
        process.OutputDataReceived += (_, line) => running.Append(line.Data);
        process.ErrorDataReceived += (_, line) => running.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(running);
    }

    /// <summary>Waits, at most <paramref name="limit"/>, for <paramref name="text"/> in the output.</summary>
    public async Task WaitForAsync(string text, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(_process.HasExited, $"the program exited {(_process.HasExited ? _process.ExitCode : 0)} before printing '{text}':\n{Output}");
            Assert.True(clock.Elapsed < limit, $"the program did not print '{text}' within {limit.TotalSeconds} s:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits, at most <paramref name="limit"/>, for the program to exit.</summary>
    public async Task<(int ExitCode, string Output)> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new System.Threading.CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return (-1, $"the program did not exit within {limit.TotalSeconds} s:\n{Output}");
        }

        _process.WaitForExit();
        return (_process.ExitCode, Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                _output.AppendLine(line);
            }
        }
    }
}
