using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace TaskGen.Monitor.Security;

/// <summary>
/// The accounts of <see cref="MonitorOptions.BasicAuth"/> and the check of an <c>Authorization: Basic</c> header
/// against them, in constant time: each side is hashed first, so neither the content nor the length of a configured
/// password shows in how long a wrong guess takes.
/// </summary>
internal sealed class BasicCredentials
{
    private readonly List<(string User, byte[] Hash)> _accounts = [];

    /// <summary>Takes the <c>user:password</c> entries; one without a colon is an error in the configuration.</summary>
    /// <exception cref="TaskAppConfigurationException">An entry is not <c>user:password</c>.</exception>
    public BasicCredentials(IEnumerable<string> entries)
    {
        foreach (string entry in entries)
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new TaskAppConfigurationException("TaskGen:Monitor:BasicAuth entries are 'user:password' (Flower's --basic_auth); one has no user or no ':'.");
            }

            _accounts.Add((entry[..colon], Hash(entry)));
        }
    }

    /// <summary>Whether any account is configured.</summary>
    public bool Enabled => _accounts.Count > 0;

    /// <summary>The user an <c>Authorization</c> header proves, or null when it proves none.</summary>
    public string? Authenticate(StringValues header)
    {
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        byte[] offered = Hash(decoded);
        string? user = null;

        // Every account is compared, matched or not, so the time taken does not say which one matched.
        foreach ((string name, byte[] hash) in _accounts)
        {
            if (CryptographicOperations.FixedTimeEquals(offered, hash))
            {
                user = name;
            }
        }

        return user;
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
