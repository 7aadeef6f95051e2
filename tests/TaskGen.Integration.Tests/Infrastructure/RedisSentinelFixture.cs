using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A private Redis Sentinel group (a primary, a replica and three sentinels on loopback), started by
/// <c>tests/broker/redis-sentinel.sh</c> for the one test class that kills its primary, and stopped afterwards.
/// When the group cannot be started the tests fail; they never skip.
/// </summary>
public sealed class RedisSentinelFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "taskgen-sentinel-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The sentinels' URL list, <c>sentinel://:password@127.0.0.1:port/0;...</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The name the sentinels monitor the primary under.</summary>
    public string MasterName { get; private set; } = string.Empty;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        (int code, string output) = await RunScriptAsync("start");
        if (code != 0)
        {
            throw new InvalidOperationException($"The test Redis Sentinel group did not start (exit {code}); the sentinel:// tests need redis-server and redis-sentinel:\n{output}");
        }

        Url = (await File.ReadAllTextAsync(Path.Combine(_directory, "url"))).Trim();
        MasterName = (await File.ReadAllTextAsync(Path.Combine(_directory, "master-name"))).Trim();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await RunScriptAsync("stop");
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Kills the server that is primary now, as a crash or a lost host would (kill -9), and says which role file it was.</summary>
    public async Task<string> KillPrimaryAsync()
    {
        string primary = await ReadPrimaryNameAsync();
        using Process server = Process.GetProcessById(int.Parse((await File.ReadAllTextAsync(Path.Combine(_directory, primary + ".pid"))).Trim(), CultureInfo.InvariantCulture));
        server.Kill();
        await server.WaitForExitAsync().WaitAsync(ProgramProcess.Guard);
        return primary;
    }

    /// <summary>Which of the two data servers (<c>primary</c> or <c>replica</c>, by the files they started from) the sentinels name primary now.</summary>
    public async Task<string> ReadPrimaryNameAsync()
    {
        string sentinel = Url.Split(';')[0];
        var uri = new Uri(sentinel);
        string password = Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["REDISCLI_AUTH"] = password;
        foreach (string argument in new[] { "-h", uri.Host, "-p", uri.Port.ToString(CultureInfo.InvariantCulture), "sentinel", "get-master-addr-by-name", MasterName })
        {
            start.ArgumentList.Add(argument);
        }

        using Process cli = Process.Start(start)!;
        string[] address = (await cli.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await cli.WaitForExitAsync();
        string port = address.Length == 2 ? address[1] : throw new InvalidOperationException("The sentinel named no primary.");
        foreach (string name in new[] { "primary", "replica" })
        {
            if (File.ReadAllText(Path.Combine(_directory, name + ".conf")).Contains($"\nport {port}\n", StringComparison.Ordinal))
            {
                return name;
            }
        }

        throw new InvalidOperationException($"The sentinels name a primary on port {port}, which is none of the group's.");
    }

    private Task<(int Code, string Output)> RunScriptAsync(string command) => RedisFixture.RunScriptAsync("redis-sentinel.sh", command, _directory);
}
