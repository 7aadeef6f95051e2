using System;
using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TaskGen.Scheduling;

/// <summary>
/// Names one run of a schedule entry: its task id and its <c>taskgen_tick</c> header. Both derive from the entry's
/// name and the run time alone, so every scheduler process (and a worker, a result store or an operator) computes
/// the same id for the same run, and a run sent twice is visibly the same task.
/// </summary>
internal static class BeatTicks
{
    /// <summary>The message header every tick carries: <c>"&lt;entry&gt;|&lt;run time, ISO-8601 UTC&gt;"</c>.</summary>
    public const string Header = "taskgen_tick";

    // A fixed namespace for the name-based ids; changing it would change every tick's task id.
    private static readonly Guid Namespace = new("f78b973f-2109-4ddf-89ed-b71186ee5d31");

    /// <summary>The task id of the run of <paramref name="entry"/> at <paramref name="tick"/>: an RFC 4122 version-5 (SHA-1, name-based) UUID, lower case.</summary>
    /// <param name="entry">The entry's name.</param>
    /// <param name="tick">The run time; only its UTC instant counts.</param>
    public static string TaskId(string entry, DateTimeOffset tick)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string name = HeaderValue(entry, tick);
        int nameLength = Encoding.UTF8.GetByteCount(name);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 + nameLength);
        try
        {
            // RFC 4122 §4.3: hash the namespace in network byte order followed by the name.
            Namespace.TryWriteBytes(buffer.AsSpan(0, 16), bigEndian: true, out _);
            Encoding.UTF8.GetBytes(name, buffer.AsSpan(16, nameLength));
            Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
            SHA1.HashData(buffer.AsSpan(0, 16 + nameLength), hash);
            hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            return new Guid(hash[..16], bigEndian: true).ToString("D", CultureInfo.InvariantCulture);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The <see cref="Header"/> value of the run of <paramref name="entry"/> at <paramref name="tick"/>.</summary>
    /// <param name="entry">The entry's name.</param>
    /// <param name="tick">The run time; written as its UTC instant.</param>
    public static string HeaderValue(string entry, DateTimeOffset tick)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry + "|" + tick.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a <see cref="Header"/> value back into the entry's name and the run time.</summary>
    /// <param name="value">The header value.</param>
    /// <param name="entry">The entry's name.</param>
    /// <param name="tick">The run time, in UTC.</param>
    /// <returns>False when the value is not a tick header.</returns>
    public static bool TryParseHeader(string? value, out string entry, out DateTimeOffset tick)
    {
        entry = string.Empty;
        tick = default;

        // The run time never contains '|', an entry name may: split at the last one.
        int bar = value?.LastIndexOf('|') ?? -1;
        if (value is null || bar <= 0)
        {
            return false;
        }

        if (!DateTimeOffset.TryParseExact(value.AsSpan(bar + 1), "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            return false;
        }

        entry = value[..bar];
        tick = parsed.ToUniversalTime();
        return true;
    }
}
