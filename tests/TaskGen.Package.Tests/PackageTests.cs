using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace TaskGen.Package.Tests;

/// <summary>
/// Packs the TaskGen package and builds a fresh project from it, so a file missing from lib/ or
/// analyzers/dotnet/cs is caught: the stubs must be generated and the analyzers must report.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "taskgen-package-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task AFreshProjectGetsStubsAndDiagnosticsFromOnePackageReference()
    {
        string root = FindRoot();
        string feed = Path.Combine(_work, "feed");
        string version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        (int packed, string packLog) = await RunAsync(root, "pack", Path.Combine(root, "src", "TaskGen", "TaskGen.csproj"), "-c", "Release", "-o", feed, $"-p:Version={version}");
        Assert.True(packed == 0, packLog);

        string app = Path.Combine(_work, "app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
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
                <PackageReference Include="TaskGen" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System;
            using Shop.Remote;
            using TaskGen;

            await using TaskApp app = TaskApp.Configure(b => b.AddAppTasks());
            await using var worker = app.CreateWorker();
            await worker.StartAsync();
            Console.WriteLine("sum=" + await Cart.Total.Delay(40, 2));
            Console.WriteLine("area-queue=" + Cart.Area.Descriptor.QueueDeclaration?.Name);
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

        (int built, string buildLog) = await RunAsync(app, "run", "--project", Path.Combine(app, "App.csproj"));
        Assert.True(built == 0, buildLog);
        Assert.Contains("sum=42", buildLog, StringComparison.Ordinal);
        Assert.Contains("area-queue=calc", buildLog, StringComparison.Ordinal);

        // The analyzers travel in the same package: a task mistake fails the build with its ID and location.
        await File.WriteAllTextAsync(Path.Combine(app, "Broken.cs"), """
            using TaskGen;

            namespace Shop;

            public class Broken
            {
                [Task]
                public int NotStatic(int x) => x;
            }
            """);
        (int failed, string failLog) = await RunAsync(app, "build", Path.Combine(app, "App.csproj"));
        Assert.NotEqual(0, failed);
        Assert.Contains("Broken.cs(8,16): error TG0001", failLog, StringComparison.Ordinal);
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

    private async Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string text = await stdout + await stderr;
        output.WriteLine($"dotnet {string.Join(' ', arguments)} -> {process.ExitCode}\n{text}");
        return (process.ExitCode, text);
    }

    private static string FindRoot()
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
