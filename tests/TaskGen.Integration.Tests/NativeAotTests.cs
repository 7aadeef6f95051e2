using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CeleryApp.Tasks.Remote;

namespace TaskGen.Integration.Tests;

/// <summary>The sample worker published as a native executable: no trim or AOT warning, and it serves tasks on the real broker.</summary>
public sealed partial class NativeAotTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task TheSampleWorkerPublishesWithNativeAotWithoutWarningsAndRunsATask()
    {
        string work = Directory.CreateTempSubdirectory("taskgen-aot-").FullName;
        try
        {
            // Its own artifacts folder, so publishing never touches the outputs the other tests run from.
            string output = Path.Combine(work, "out");
            (int code, string log) = await ProgramProcess.RunExecutableAsync(
                "dotnet",
                ["publish", Path.Combine(RabbitMqFixture.RepositoryRoot, "samples", "CeleryApp", "CeleryApp.csproj"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
                 "--artifacts-path", Path.Combine(work, "artifacts"), "-o", output, "-nologo"],
                TimeSpan.FromMinutes(8));
            Assert.True(code == 0, $"dotnet publish failed (exit {code}):\n{log}");
            string[] warnings = log.Split('\n').Where(line => Warning().IsMatch(line)).Distinct().ToArray();
            Assert.True(warnings.Length == 0, $"Publishing with native AOT warned:\n{string.Join('\n', warnings)}");
            string executable = Path.Combine(output, "CeleryApp");
            Assert.True(File.Exists(executable), $"No native executable at {executable}:\n{log}");

            await using ProgramProcess worker = ProgramProcess.StartExecutable(executable, ["worker", "-Q", "calc", "-n", "native@%h", "--broker", Broker.Url, "--loglevel", "info"]);
            await worker.WaitForLineAsync(line => line.Contains("native@", StringComparison.Ordinal) && line.Contains(" ready: ", StringComparison.Ordinal), "the native worker to be ready");

            // The native worker is the only consumer of 'calc' here, so the result is its work.
            Assert.Equal(4, await App.Send(Geometry.RectArea.Signature(2, 2)).GetAsync(Guard));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // MSBuild's form for a warning, e.g. "Foo.cs(3,5): warning IL2026: ..." or ILC's "warning IL3050: ...".
    [GeneratedRegex(@"\bwarning [A-Z]+\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Warning();
}
