using System;
using System.Collections.Generic;
using System.Linq;

namespace TaskGen.Transport;

/// <summary>Broker URL helpers that keep passwords out of logs and messages.</summary>
internal static class BrokerUrls
{
    private const string Unparseable = "(unparseable broker URL)";

    /// <summary>
    /// Splits Celery's failover form, <c>amqp://a;amqp://b</c>, into its URLs, each trimmed, empty ones dropped.
    /// </summary>
    /// <param name="urls">One URL, or several separated by <c>;</c>.</param>
    public static IReadOnlyList<string> Split(string? urls) =>
        string.IsNullOrWhiteSpace(urls) ? [] : urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Returns the URL, or each URL of a <c>;</c>-separated list, with its password replaced by <c>***</c>; an
    /// unparseable URL is never echoed, as it may be mostly password.
    /// </summary>
    /// <param name="url">The broker URL, or several separated by <c>;</c>.</param>
    public static string Redact(string? url) =>
        url is not null && url.Contains(';', StringComparison.Ordinal) ? string.Join(";", Split(url).Select(RedactOne)) : RedactOne(url);

    private static string RedactOne(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return Unparseable;
        }

        int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return Unparseable;
        }

        int authorityStart = schemeEnd + 3;

        // The last '@' rather than the end of the authority: a password may hold an unescaped '/', '?' or '@',
        // and cutting at the first of those would leave the rest of it in plain sight. A '@' later in the
        // path then over-redacts, which is the safe way to be wrong.
        int at = url.LastIndexOf('@');
        string shown = url;
        if (at >= authorityStart)
        {
            int colon = url.IndexOf(':', authorityStart, at - authorityStart);
            if (colon >= 0 && colon + 1 < at)
            {
                shown = string.Concat(url.AsSpan(0, colon + 1), "***", url.AsSpan(at));
            }
        }

        // Checked after redaction so a URL the parser rejects only because of its password still shows.
        return Uri.TryCreate(shown, UriKind.Absolute, out _) ? shown : Unparseable;
    }
}
