using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace TaskGen.Integration.Tests;

/// <summary>
/// A private Redis Sentinel group (a primary, a replica and three sentinels on loopback), started by
/// <c>tests/broker/redis-sentinel.sh</c> for the test classes that use it, and stopped afterwards.
/// When the group cannot be started the tests fail; they never skip.
/// </summary>
public class RedisSentinelFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "taskgen-sentinel-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly bool _tls;

    /// <summary>Creates the fixture of a plain group.</summary>
    public RedisSentinelFixture()
        : this(tls: false)
    {
    }

    /// <summary>Creates the fixture of a plain group, or of one whose servers all speak TLS only.</summary>
    /// <param name="tls">Whether the group listens for TLS only, with a certificate from a private CA.</param>
    protected RedisSentinelFixture(bool tls) => _tls = tls;

    /// <summary>The sentinels' URL list, <c>sentinel://:password@127.0.0.1:port/0;...</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The name the sentinels monitor the primary under.</summary>
    public string MasterName { get; private set; } = string.Empty;

    /// <summary>The password in <see cref="Url"/>, for tests that check it is shown nowhere.</summary>
    public string Password => Redis.RedisUrl.Parse(Url).Password ?? string.Empty;

    /// <summary>For a TLS group, the PEM file of the private CA that issued every server's certificate; null otherwise.</summary>
    public string? TlsCaCertificate => _tls ? Path.Combine(_directory, "ca.pem") : null;

    /// <summary>The settings that make a worker process store its results on this group, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment
    {
        get
        {
            var environment = new Dictionary<string, string>
            {
                ["TaskGen__ResultBackend"] = Url,
                ["TaskGen__ResultBackendMasterName"] = MasterName,
            };
            if (_tls)
            {
                environment["TaskGen__ResultBackendUseTls"] = "true";
                environment["TaskGen__ResultBackendTlsCaCertificate"] = TlsCaCertificate!;
            }

            return environment;
        }
    }

    /// <summary>Points an app's result backend at this group, the same settings <see cref="WorkerEnvironment"/> gives a worker.</summary>
    /// <param name="options">The app's options.</param>
    public void UseAsResultBackend(TaskAppOptions options)
    {
        options.ResultBackend = Url;
        options.ResultBackendMasterName = MasterName;
        options.ResultBackendUseTls = _tls;
        options.ResultBackendTlsCaCertificate = TlsCaCertificate;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        (int code, string output) = await RunScriptAsync(_tls ? ["start", _directory, "--tls"] : ["start", _directory]);
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
        await RunScriptAsync(["stop", _directory]);
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
        string port = await ReadPrimaryPortAsync();
        foreach (string name in new[] { "primary", "replica" })
        {
            // A TLS group's servers listen on their tls-port only ("port 0").
            if (File.ReadAllText(Path.Combine(_directory, name + ".conf")).Contains($"\n{(_tls ? "tls-port" : "port")} {port}\n", StringComparison.Ordinal))
            {
                return name;
            }
        }

        throw new InvalidOperationException($"The sentinels name a primary on port {port}, which is none of the group's.");
    }

    /// <summary>The URL of the server the sentinels name primary now, dialled directly (<c>rediss://</c> for a TLS group).</summary>
    public async Task<string> ReadPrimaryUrlAsync() => $"{(_tls ? "rediss" : "redis")}://:{Password}@127.0.0.1:{await ReadPrimaryPortAsync()}/0";

    private async Task<string> ReadPrimaryPortAsync()
    {
        string sentinel = Url.Split(';')[0];
        var uri = new Uri(sentinel);
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["REDISCLI_AUTH"] = Password;
        if (_tls)
        {
            start.ArgumentList.Add("--tls");
            start.ArgumentList.Add("--cacert");
            start.ArgumentList.Add(TlsCaCertificate!);
        }

        foreach (string argument in new[] { "-h", uri.Host, "-p", uri.Port.ToString(CultureInfo.InvariantCulture), "sentinel", "get-master-addr-by-name", MasterName })
        {
            start.ArgumentList.Add(argument);
        }

        using Process cli = Process.Start(start)!;
        string[] address = (await cli.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await cli.WaitForExitAsync();
        return address.Length == 2 ? address[1] : throw new InvalidOperationException("The sentinel named no primary.");
    }

    private static Task<(int Code, string Output)> RunScriptAsync(string[] arguments) => RedisFixture.RunScriptAsync("redis-sentinel.sh", arguments);
}

/// <summary>
/// A private Redis Sentinel group whose primary, replica and sentinels speak TLS only, with certificates naming
/// <c>localhost</c> and <c>127.0.0.1</c> from a private CA; started only for the test classes that use it.
/// </summary>
public sealed class RedisSentinelTlsFixture : RedisSentinelFixture
{
    /// <summary>Creates the fixture of a TLS group.</summary>
    public RedisSentinelTlsFixture()
        : base(tls: true)
    {
    }
}
