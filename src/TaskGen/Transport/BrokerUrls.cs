using System;

namespace TaskGen.Transport;

/// <summary>Broker URL helpers that keep passwords out of logs and messages.</summary>
public static class BrokerUrls
{
    /// <summary>Returns the URL with its password replaced by <c>***</c>; an unparseable URL is not echoed.</summary>
    /// <param name="url">The broker URL.</param>
    public static string Redact(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "(no broker URL)";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
        {
            return "(unparseable broker URL)";
        }

        string userInfo = uri.UserInfo;
        if (userInfo.Length == 0)
        {
            return uri.ToString();
        }

        int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        string user = colon < 0 ? userInfo : userInfo[..colon];
        var builder = new UriBuilder(uri) { UserName = user, Password = colon < 0 ? string.Empty : "***" };
        return builder.Uri.ToString();
    }
}
