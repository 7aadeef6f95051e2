using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A private Redis server for the result backend tests: taken from <c>TASKGEN_TEST_REDIS_URL</c> (as test.sh sets
/// it), or started by <c>tests/broker/redis-node.sh</c> on a free loopback port and stopped afterwards. When no
/// server can be had the tests fail; they never skip. A given server's folder comes from <c>TASKGEN_TEST_REDIS_DIR</c>,
/// for the tests that stop and start it.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private string? _directory;
    private string? _nodeDirectory;

    /// <summary>The server's URL, <c>redis://:password@127.0.0.1:port/0</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The password in <see cref="Url"/>, for tests that check it is shown nowhere.</summary>
    public string Password => Redis.RedisUrl.Parse(Url).Password ?? string.Empty;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_URL");
        if (!string.IsNullOrWhiteSpace(given))
        {
            Url = given.Trim();
            _nodeDirectory = Environment.GetEnvironmentVariable("TASKGEN_TEST_REDIS_DIR");
            return;
        }

        _directory = Path.Combine(Path.GetTempPath(), "taskgen-redis-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        _nodeDirectory = _directory;
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

    /// <summary>Kills the server outright, as a crash or a lost host would, and waits until its port refuses connections.</summary>
    public async Task StopServerAsync()
    {
        string pidFile = Path.Combine(NodeDirectory, "redis.pid");
        using Process server = Process.GetProcessById(int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        server.Kill();
        await server.WaitForExitAsync().WaitAsync(ProgramProcess.Guard);
        await Poll.UntilAsync(ListeningAsync, up => !up, "the Redis server to stop listening");
    }

    /// <summary>Starts the server again from its own configuration, so the same port and password take clients back.</summary>
    public async Task StartServerAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(NodeDirectory, "redis.conf"));
        using Process process = Process.Start(start)!;
        await process.WaitForExitAsync().WaitAsync(ProgramProcess.Guard);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-server did not start again (exit {process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
        }

        await Poll.UntilAsync(ListeningAsync, up => up, "the Redis server to listen again");
    }

    private string NodeDirectory => _nodeDirectory
        ?? throw new InvalidOperationException("Stopping the Redis server needs its folder: set TASKGEN_TEST_REDIS_DIR beside TASKGEN_TEST_REDIS_URL.");

    private async Task<bool> ListeningAsync()
    {
        Redis.RedisUrl url = Redis.RedisUrl.Parse(Url);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(url.Host, url.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Task<(int Code, string Output)> RunScriptAsync(string command, string directory) => RunScriptAsync("redis-node.sh", [command, directory]);

    /// <summary>Runs one of the test Redis scripts in <c>tests/broker</c> and returns its exit code and everything it printed.</summary>
    internal static async Task<(int Code, string Output)> RunScriptAsync(string script, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(RabbitMqFixture.RepositoryRoot, "tests", "broker", script));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
