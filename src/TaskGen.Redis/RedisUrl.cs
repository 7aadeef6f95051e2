using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using TaskGen.Transport;

namespace TaskGen.Redis;

/// <summary>
/// A <c>redis://[[user]:password@]host[:port][/db]</c> result backend URL, Celery's form, parsed once at startup
/// so that a mistyped URL is refused with a reason instead of failing the first result. Celery's Sentinel form,
/// <c>sentinel://:password@host:port[/db];sentinel://...</c>, names the sentinels that know the current primary.
/// </summary>
internal sealed class RedisUrl
{
    private const int DefaultPort = 6379;
    private const int DefaultSentinelPort = 26379;

    private RedisUrl(IReadOnlyList<DnsEndPoint> endpoints, int database, string? user, string? password, bool tls, bool sentinel, string redacted)
    {
        Endpoints = endpoints;
        Database = database;
        User = user;
        Password = password;
        Tls = tls;
        IsSentinel = sentinel;
        Redacted = redacted;
    }

    /// <summary>The server's host name or address (the first sentinel's, for a Sentinel URL).</summary>
    public string Host => Endpoints[0].Host;

    /// <summary>The server's port (6379 when the URL names none, 26379 for a sentinel).</summary>
    public int Port => Endpoints[0].Port;

    /// <summary>Every server the URL names: the one Redis server, or each sentinel of a Sentinel URL list.</summary>
    public IReadOnlyList<DnsEndPoint> Endpoints { get; }

    /// <summary>Whether the URL names sentinels (<c>sentinel://</c>), which are asked for the primary instead of storing results.</summary>
    public bool IsSentinel { get; }

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

    /// <summary>Whether a result backend setting names a Redis server or Redis sentinels, so that the caller knows to parse it.</summary>
    /// <param name="url">The <c>ResultBackend</c> setting.</param>
    public static bool IsRedis(string? url) =>
        url is not null
        && (url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("sentinel://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a Redis URL, or a <c>;</c>-separated list of <c>sentinel://</c> URLs.</summary>
    /// <param name="url">The URL.</param>
    /// <exception cref="TaskAppConfigurationException">The URL is not a usable Redis URL; the message never holds its password.</exception>
    public static RedisUrl Parse(string url)
    {
        string redacted = BrokerUrls.Redact(url);
        if (!IsRedis(url))
        {
            throw Refused(redacted, "it must read redis://[:password@]host[:port][/db] or sentinel://[:password@]host[:port][/db];sentinel://...");
        }

        bool sentinel = url.StartsWith("sentinel://", StringComparison.OrdinalIgnoreCase);
        string[] parts = url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 1 && !sentinel)
        {
            throw Refused(redacted, "only sentinel:// URLs can be listed");
        }

        var endpoints = new List<DnsEndPoint>(parts.Length);
        Part? first = null;
        foreach (string part in parts)
        {
            Part parsed = ParsePart(part, redacted, sentinel);
            endpoints.Add(parsed.Endpoint);

            // The sentinels of one group guard the same primary: one password and one database for all, as Celery reads them.
            if (first is { } known && (known.User != parsed.User || known.Password != parsed.Password || known.Database != parsed.Database))
            {
                throw Refused(redacted, "every sentinel:// URL of the list must give the same user, password and database");
            }

            first ??= parsed;
        }

        Part head = first!.Value;
        return new RedisUrl(endpoints, head.Database, head.User, head.Password, head.Tls, sentinel, redacted);
    }

    private static Part ParsePart(string part, string redacted, bool sentinel)
    {
        string scheme = sentinel ? "sentinel" : part.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase) ? "rediss" : "redis";
        if (!part.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(part, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0)
        {
            throw Refused(redacted, sentinel
                ? "each URL of the list must read sentinel://[:password@]host[:port][/db]"
                : "it must read redis://[:password@]host[:port][/db]");
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

        int port = uri.IsDefaultPort || uri.Port < 0 ? sentinel ? DefaultSentinelPort : DefaultPort : uri.Port;
        return new Part(new DnsEndPoint(uri.IdnHost.Trim('[', ']'), port), database, user, password, scheme == "rediss");
    }

    /// <summary>Shows the redacted URL, so that formatting an instance can never leak the password.</summary>
    public override string ToString() => Redacted;

    private static TaskAppConfigurationException Refused(string redacted, string why) =>
        new($"ResultBackend '{redacted}' is not a usable Redis URL: {why}.");

    private readonly record struct Part(DnsEndPoint Endpoint, int Database, string? User, string? Password, bool Tls);
}
