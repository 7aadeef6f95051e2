using System;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Redis;

/// <summary>
/// One app's connection to its Redis result backend, shared by its client and worker halves and opened on
/// first use, so that an app that never reads or stores a result never dials Redis.
/// </summary>
internal sealed class RedisResultConnection : IAsyncDisposable
{
    /// <summary>Celery's key (and channel) prefix for task results: <c>celery-task-meta-&lt;id&gt;</c>.</summary>
    public const string KeyPrefix = "celery-task-meta-";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ServerCertificateTrust? _tls;
    private ConnectionMultiplexer? _multiplexer;
    private volatile string? _tlsRefusal;
    private volatile bool _disposed;

    /// <summary>Prepares the connection without dialling; a TLS CA file is read now, so that a bad one stops the start.</summary>
    /// <param name="url">The Redis server, or the sentinels that name the primary.</param>
    /// <param name="clientName">The name Redis shows for this process's connections.</param>
    /// <param name="masterName">The name the sentinels know the primary by, for a Sentinel URL.</param>
    /// <param name="useTls">Whether to speak TLS even though the URL is not <c>rediss://</c> (<see cref="TaskAppOptions.ResultBackendUseTls"/>).</param>
    /// <param name="tlsCaCertificate">A PEM file of the CA that issues the servers' certificates; null for the system's roots.</param>
    /// <exception cref="TaskAppConfigurationException">The CA file cannot be read or holds no certificate.</exception>
    public RedisResultConnection(RedisUrl url, string clientName, string? masterName = null, bool useTls = false, string? tlsCaCertificate = null)
    {
        Url = url;
        ClientName = clientName;
        MasterName = masterName;
        _tls = url.Tls || useTls
            ? ServerCertificateTrust.Create("Redis server", nameof(TaskAppOptions.ResultBackendTlsCaCertificate), tlsCaCertificate)
            : null;
    }

    public RedisUrl Url { get; }

    /// <summary>Whether every connection, to the sentinels and to the primary alike, speaks TLS.</summary>
    public bool Tls => _tls is not null;

    public string ClientName { get; }

    /// <summary>The name the sentinels know the primary by (Celery's <c>master_name</c>), for a Sentinel URL.</summary>
    public string? MasterName { get; }

    /// <summary>Raised after a lost connection is back, when messages published meanwhile may have been missed.</summary>
    public event Action? Restored;

    public static RedisKey Key(string taskId) => KeyPrefix + taskId;

    public static RedisChannel Channel(string taskId) => RedisChannel.Literal(KeyPrefix + taskId);

    /// <summary>
    /// TaskGen's hash (and channel) of the replies to a broadcast, one field per worker node: Celery has no place for
    /// them, since every worker's state would land on the task's one key.
    /// </summary>
    public const string BroadcastKeyPrefix = "taskgen-broadcast-meta-";

    public static RedisKey BroadcastKey(string taskId) => BroadcastKeyPrefix + taskId;

    public static RedisChannel BroadcastChannel(string taskId) => RedisChannel.Literal(BroadcastKeyPrefix + taskId);

    public async ValueTask<ConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _multiplexer) is { } ready)
        {
            return ready;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_multiplexer is { } raced)
            {
                return raced;
            }

            ConnectionMultiplexer multiplexer;
            _tlsRefusal = null;
            try
            {
                multiplexer = await ConnectionMultiplexer.ConnectAsync(CreateOptions()).ConfigureAwait(false);
            }
            catch (RedisConnectionException ex)
            {
                throw Unreachable(ex);
            }

            if (!multiplexer.IsConnected && _tlsRefusal is not null)
            {
                // A refused certificate stays refused: fail now with the reason, rather than let every command time out
                // in the library's backlog without it. The next use dials again, in case the setting has been mended.
                await multiplexer.CloseAsync().ConfigureAwait(false);
                multiplexer.Dispose();
                throw Unreachable(null);
            }

            multiplexer.ConnectionRestored += (_, args) =>
            {
                if (args.ConnectionType == ConnectionType.Subscription)
                {
                    Restored?.Invoke();
                }
            };
            Volatile.Write(ref _multiplexer, multiplexer);
            return multiplexer;
        }
        finally
        {
            _gate.Release();
        }
    }

    // The library's own message is about its endpoints and never holds the password; the URL is redacted. The library
    // keeps a refused certificate to itself (sentinels that fail their handshakes read as "not a Sentinel connection"),
    // so the refusal leads: it is what the user has to mend.
    private RedisException Unreachable(RedisConnectionException? library)
    {
        string why = (_tlsRefusal, library) switch
        {
            ({ } refusal, { } ex) => $"{refusal} ({ex.Message})",
            ({ } refusal, null) => refusal,
            _ => library?.Message ?? "no server answered",
        };
        return new RedisException($"The result backend {Url.Redacted} could not be reached: {why}", library);
    }

    private ConfigurationOptions CreateOptions()
    {
        var options = new ConfigurationOptions
        {
            User = Url.User,
            Password = Url.Password,
            DefaultDatabase = Url.Database,

            // No SslHost: each server is checked against the name it is dialled by, a sentinel by its URL's host and
            // the primary by the address the sentinels announce, since the library reuses these options for the primary.
            Ssl = Tls,
            ClientName = ClientName,

            // Connecting is tried once here and then in the background: a Redis that is down at startup fails
            // each result that needs it with a reason instead of failing the whole app.
            AbortOnConnectFail = false,
        };
        foreach (DnsEndPoint endpoint in Url.Endpoints)
        {
            options.EndPoints.Add(IPAddress.TryParse(endpoint.Host, out IPAddress? address) ? new IPEndPoint(address, endpoint.Port) : endpoint);
        }

        if (_tls is not null)
        {
            options.CertificateValidation += VerifyServer;
        }

        if (Url.IsSentinel)
        {
            // The library asks the sentinels for the primary, connects to it, and follows each failover they announce.
            options.ServiceName = MasterName;
        }

        return options;
    }

    private bool VerifyServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string host = sender is SslStream { TargetHostName: { Length: > 0 } target } ? target : Url.Host;
        try
        {
            return _tls!.Verify(certificate, chain, errors, host);
        }
        catch (AuthenticationException ex)
        {
            _tlsRefusal = ex.Message;
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Taken so that a connection being opened now is either finished and closed here, or never opened.
        _disposed = true;
        await _gate.WaitAsync().ConfigureAwait(false);
        if (_multiplexer is not null)
        {
            await _multiplexer.CloseAsync().ConfigureAwait(false);
            _multiplexer.Dispose();
        }

    }
}
