using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A private Redis server for the result backend tests: taken from <c>TASKGEN_TEST_REDIS_URL</c> (as test.sh sets
/// it), or started by <c>tests/broker/redis-node.sh</c> on a free loopback port and stopped afterwards. When no
/// server can be had the tests fail; they never skip.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private string? _directory;

    /// <summary>The server's URL, <c>redis://:password@127.0.0.1:port/0</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The password in <see cref="Url"/>, for tests that check it is shown nowhere.</summary>
    public string Password => Results.RedisUrl.Parse(Url).Password ?? string.Empty;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_URL");
        if (!string.IsNullOrWhiteSpace(given))
        {
            Url = given.Trim();
            return;
        }

        _directory = Path.Combine(Path.GetTempPath(), "taskgen-redis-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        (int code, string output) = await RunScriptAsync("start", _directory);
        if (code != 0)
        {
            throw new InvalidOperationException($"The test Redis server did not start (exit {code}); the redis:// result backend tests need redis-server (set TASKGEN_TEST_REDIS_URL or install it):\n{output}");
        }

        Url = (await File.ReadAllTextAsync(Path.Combine(_directory, "url"))).Trim();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_directory is not null)
        {
            await RunScriptAsync("stop", _directory);
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<(int Code, string Output)> RunScriptAsync(string command, string directory)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(RabbitMqFixture.RepositoryRoot, "tests", "broker", "redis-node.sh"));
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(directory);
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
