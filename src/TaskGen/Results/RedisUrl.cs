using System;
using System.Globalization;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// A <c>redis://[[user]:password@]host[:port][/db]</c> result backend URL, Celery's form, parsed once at startup
/// so that a mistyped URL is refused with a reason instead of failing the first result.
/// </summary>
public sealed class RedisUrl
{
    private RedisUrl(string host, int port, int database, string? user, string? password, bool tls, string redacted)
    {
        Host = host;
        Port = port;
        Database = database;
        User = user;
        Password = password;
        Tls = tls;
        Redacted = redacted;
    }

    /// <summary>The server's host name or address.</summary>
    public string Host { get; }

    /// <summary>The server's port (6379 when the URL names none).</summary>
    public int Port { get; }

    /// <summary>The database number, from the URL's path (0 when it has none).</summary>
    public int Database { get; }

    /// <summary>The ACL user name, or null for Redis's default user.</summary>
    public string? User { get; }

    /// <summary>The password, or null; never logged (see <see cref="Redacted"/>).</summary>
    public string? Password { get; }

    /// <summary>Whether the URL is <c>rediss://</c>, which connects over TLS.</summary>
    public bool Tls { get; }

    /// <summary>The URL with its password replaced by <c>***</c>, for logs and messages.</summary>
    public string Redacted { get; }

    /// <summary>Whether a result backend setting names a Redis server, so that the caller knows to parse it.</summary>
    /// <param name="url">The <c>ResultBackend</c> setting.</param>
    public static bool IsRedis(string? url) =>
        url is not null && (url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a Redis URL.</summary>
    /// <param name="url">The URL.</param>
    /// <exception cref="TaskAppConfigurationException">The URL is not a usable Redis URL; the message never holds its password.</exception>
    public static RedisUrl Parse(string url)
    {
        string redacted = BrokerUrls.Redact(url);
        if (!IsRedis(url) || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0)
        {
            throw Refused(redacted, "it must read redis://[:password@]host[:port][/db]");
        }

        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            // Celery writes a password without a user as ":password"; an empty user means Redis's default one.
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            string rawUser = colon < 0 ? uri.UserInfo : uri.UserInfo[..colon];
            user = rawUser.Length > 0 ? Uri.UnescapeDataString(rawUser) : null;
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        int database = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15_999))
        {
            throw Refused(redacted, $"the path must be a database number, not '{path}'");
        }

        if (uri.Query.Length > 1)
        {
            // Options Celery reads from the query (socket timeouts, ssl_cert_reqs) would be silently ignored here.
            throw Refused(redacted, "query options are not supported");
        }

        bool tls = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase);
        int port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        return new RedisUrl(uri.IdnHost, port, database, user, password, tls, redacted);
    }

    /// <summary>Shows the redacted URL, so that formatting an instance can never leak the password.</summary>
    public override string ToString() => Redacted;

    private static TaskAppConfigurationException Refused(string redacted, string why) =>
        new($"ResultBackend '{redacted}' is not a usable Redis URL: {why}.");
}
