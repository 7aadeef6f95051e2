using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Fuzzing;

/// <summary>
/// Makes hostile task messages from valid ones: bodies with flipped bytes, cut short, spliced or nested
/// deep; headers swapped for values of the wrong type, huge or non-finite numbers and invalid UTF-8;
/// random content types, encodings and compression. The same seed gives the same messages, so a failure
/// can be replayed. Shared by the CI fuzz test and the benchmark's long run.
/// </summary>
internal sealed class TaskMessageFuzzer
{
    private static readonly string[] s_headerNames =
    [
        "task", "id", "lang", "eta", "expires", "retries", "timelimit", "root_id", "parent_id", "group",
        "argsrepr", "kwargsrepr", "origin", "ignore_result", "compression", "shadow", "group_index",
    ];

    private static readonly string[] s_contentTypes =
    [
        "application/json", "APPLICATION/JSON", "application/x-python-serialize", "application/x-yaml",
        "application/x-msgpack", "text/plain", "", "application/json; charset=utf-8",
    ];

    private static readonly string[] s_encodings = ["utf-8", "utf8", "UTF-8", "binary", "latin-1", "utf-16", ""];

    private static readonly string[] s_texts =
    [
        "", " ", "null", "NaN", "-Infinity", "1e400", "2001-01-01T00:00:00Z", "2001-13-45T99:99:99", "not a date",
        "\r\nINFO forged log line", "zlib", "application/x-gzip", "gzip", new string('x', 5000), "\u0000", "\uD800",
    ];

    private static readonly object?[] s_numbers =
    [
        0, -1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 1e300, -1e300, double.NaN,
        double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 4.9e-324, float.MaxValue, decimal.MaxValue,
        ulong.MaxValue, (byte)255, (short)-7, true, false,
    ];

    private static readonly string[] s_jsonFragments =
    [
        "null", "true", "1e400", "-1e400", "99999999999999999999999999999", "NaN", "Infinity", "-Infinity", "\"\\uD800\"",
        "\"\\u0000\"", "{}", "[]", "[[],{},null]", "{\"a\":", "\"", "[1,2", "1.5e-400", "\"2001-01-01\"", "[1,[2,[3]]]",
    ];

    private static ReadOnlySpan<byte> Structural => "[]{}\",:\\"u8;

    private readonly IReadOnlyList<TransportMessage> _seeds;
    private readonly Random _random;

    /// <summary>Creates a fuzzer over <paramref name="seeds"/>, valid task messages as an encoder writes them.</summary>
    /// <param name="seeds">Valid messages to mutate; at least one.</param>
    /// <param name="seed">The random seed.</param>
    public TaskMessageFuzzer(IReadOnlyList<TransportMessage> seeds, int seed)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("The fuzzer needs at least one valid message to start from.", nameof(seeds));
        }

        _seeds = seeds;
        _random = new Random(seed);
    }

    /// <summary>Returns the next hostile message.</summary>
    public TransportMessage Next()
    {
        TransportMessage seed = _seeds[_random.Next(_seeds.Count)];
        var headers = new Dictionary<string, object?>(seed.Headers, StringComparer.Ordinal);
        byte[] body = seed.Body.ToArray();
        var properties = new MessageProperties
        {
            CorrelationId = seed.Properties.CorrelationId,
            ReplyTo = seed.Properties.ReplyTo,
            ContentType = seed.Properties.ContentType,
            ContentEncoding = seed.Properties.ContentEncoding,
            DeliveryMode = seed.Properties.DeliveryMode,
            Priority = seed.Properties.Priority,
        };

        // Strings often arrive from RabbitMQ as UTF-8 byte arrays; both shapes must be read alike.
        if (_random.Next(2) == 0)
        {
            foreach (string key in new List<string>(headers.Keys))
            {
                if (headers[key] is string text)
                {
                    headers[key] = Encoding.UTF8.GetBytes(text);
                }
            }
        }

        int mutations = 1 + _random.Next(3);
        for (int i = 0; i < mutations; i++)
        {
            body = Mutate(body, headers, properties);
        }

        return new TransportMessage(seed.Exchange, seed.RoutingKey, properties, headers, body);
    }

    private byte[] Mutate(byte[] body, Dictionary<string, object?> headers, MessageProperties properties)
    {
        switch (_random.Next(14))
        {
            case 0:
                return FlipBytes(body);
            case 1:
                return body.Length == 0 ? body : body.AsSpan(0, _random.Next(body.Length)).ToArray();
            case 2:
                return Splice(body, _seeds[_random.Next(_seeds.Count)].Body.ToArray());
            case 3:
            case 4:
                headers[s_headerNames[_random.Next(s_headerNames.Length)]] = RandomValue(depth: 0);
                return body;
            case 5:
                headers.Remove(s_headerNames[_random.Next(s_headerNames.Length)]);
                return body;
            case 6:
                return Nest(_random.Next(2) == 0 ? 100 + _random.Next(200) : 5_000 + _random.Next(20_000));
            case 7:
                return InsertInvalidUtf8(body);
            case 8:
                properties.ContentType = s_contentTypes[_random.Next(s_contentTypes.Length)];
                properties.ContentEncoding = _random.Next(3) == 0 ? null : s_encodings[_random.Next(s_encodings.Length)];
                return body;
            case 9:
                return ReplaceArguments();
            case 10:
                byte[] noise = new byte[_random.Next(256)];
                _random.NextBytes(noise);
                return noise;
            case 11:
                headers["compression"] = _random.Next(2) == 0 ? "application/x-gzip" : Encoding.UTF8.GetBytes("zlib");
                return _random.Next(2) == 0 ? Compress(body) : FlipBytes(Compress(body));
            case 12:
                headers["timelimit"] = new List<object?> { RandomValue(2), RandomValue(2) };
                return body;
            default:
                properties.ReplyTo = _random.Next(2) == 0 ? null : RandomText();
                properties.CorrelationId = _random.Next(2) == 0 ? null : properties.CorrelationId;
                return body;
        }
    }

    private byte[] FlipBytes(byte[] body)
    {
        byte[] copy = (byte[])body.Clone();
        int flips = copy.Length == 0 ? 0 : 1 + _random.Next(8);
        for (int i = 0; i < flips; i++)
        {
            copy[_random.Next(copy.Length)] = _random.Next(3) switch
            {
                0 => (byte)_random.Next(256),
                1 => Structural[_random.Next(Structural.Length)],
                _ => (byte)(copy[_random.Next(copy.Length)] ^ (1 << _random.Next(8))),
            };
        }

        return copy;
    }

    private byte[] Splice(byte[] first, byte[] second)
    {
        int cut = first.Length == 0 ? 0 : _random.Next(first.Length);
        int from = second.Length == 0 ? 0 : _random.Next(second.Length);
        byte[] spliced = new byte[cut + second.Length - from];
        first.AsSpan(0, cut).CopyTo(spliced);
        second.AsSpan(from).CopyTo(spliced.AsSpan(cut));
        return spliced;
    }

    private byte[] Nest(int depth)
    {
        var text = new StringBuilder(depth * 2 + 32);
        text.Append("[[");
        text.Append('[', depth).Append(']', depth);
        text.Append("], {\"k\": ");
        int objects = Math.Min(depth, 2_000);
        for (int i = 0; i < objects; i++)
        {
            text.Append("{\"a\":");
        }

        text.Append('1').Append('}', objects).Append("}, null]");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private byte[] InsertInvalidUtf8(byte[] body)
    {
        byte[][] bad = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];
        byte[] chosen = bad[_random.Next(bad.Length)];
        int at = body.Length == 0 ? 0 : _random.Next(body.Length);
        byte[] result = new byte[body.Length + chosen.Length];
        body.AsSpan(0, at).CopyTo(result);
        chosen.CopyTo(result, at);
        body.AsSpan(at).CopyTo(result.AsSpan(at + chosen.Length));
        return result;
    }

    private byte[] ReplaceArguments()
    {
        var text = new StringBuilder("[[");
        int count = _random.Next(5);
        for (int i = 0; i < count; i++)
        {
            text.Append(i == 0 ? string.Empty : ",").Append(s_jsonFragments[_random.Next(s_jsonFragments.Length)]);
        }

        text.Append("], {");
        if (_random.Next(2) == 0)
        {
            text.Append("\"a\": ").Append(s_jsonFragments[_random.Next(s_jsonFragments.Length)]);
        }

        text.Append("}, ").Append(_random.Next(3) == 0 ? "{\"callbacks\": " + s_jsonFragments[_random.Next(s_jsonFragments.Length)] + "}" : "null").Append(']');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private object? RandomValue(int depth) => _random.Next(depth > 3 ? 4 : 7) switch
    {
        0 => null,
        1 => s_numbers[_random.Next(s_numbers.Length)],
        2 => RandomText(),
        3 => InvalidUtf8Bytes(),
        4 => DeepList(_random.Next(2) == 0 ? 3 : 1_000),
        5 => new List<object?> { RandomValue(depth + 1), RandomValue(depth + 1), RandomValue(depth + 1) },
        _ => new Dictionary<string, object?> { ["x"] = RandomValue(depth + 1) },
    };

    private string RandomText() => s_texts[_random.Next(s_texts.Length)];

    private byte[] InvalidUtf8Bytes()
    {
        byte[] bytes = new byte[1 + _random.Next(16)];
        _random.NextBytes(bytes);
        bytes[0] = 0xFF;
        return bytes;
    }

    private static List<object?> DeepList(int depth)
    {
        var root = new List<object?>();
        List<object?> current = root;
        for (int i = 0; i < depth; i++)
        {
            var next = new List<object?>();
            current.Add(next);
            current = next;
        }

        return root;
    }

    private static byte[] Compress(byte[] body)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest))
        {
            zlib.Write(body);
        }

        return output.ToArray();
    }
}
